package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code xsnap module}, the Ansible interface, in-process on a real QEMU guest: one JSON in, one JSON out. */
class ModuleCommandTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    /** Runs one request; returns the printed result with the exit code as "_exit". */
    private JsonNode module(String request) throws IOException {
        Path in = Files.createTempFile(tmp, "request", ".json");
        Files.writeString(in, request);
        Cli.Run run = cli.host("module", "--input", in.toString());
        JsonNode result = Json.mapper().readTree(run.out());
        assertEquals(run.code(), result.path("rc").asInt(), "rc in the result is the exit code: " + run);
        return result;
    }

    private static String snapshot(boolean check, String params) {
        return "{\"module\": \"snapshot\", \"check_mode\": " + check + ", \"params\": {" + params + "}}";
    }

    private List<String> storeFiles() throws IOException {
        if (!Files.exists(store)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(store)) {
            return s.map(p -> store.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void snapshotModuleCreatesOnceRevertsOnlyWithForceAndDeletesOnce() throws IOException {
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("web01.qcow2", "qcow2", 16 * MIB)));
        g.write("xvda", 0x11, 0, K64);
        String pre = "\"domain\": \"web01\", \"name\": \"pre\"";

        JsonNode check = module(snapshot(true, pre));
        assertTrue(check.path("changed").asBoolean(), check.toString());
        assertEquals("create", check.path("plan").path("changes").path(0).path("action").asString());
        assertEquals("[]", check.path("diff").path("before").path("web01").path("snapshots").toString());
        assertEquals("[\"pre\"]", check.path("diff").path("after").path("web01").path("snapshots").toString());
        assertEquals(List.of(), storeFiles(), "check mode writes nothing, not even the lock");

        JsonNode create = module(snapshot(false, pre));
        assertTrue(create.path("changed").asBoolean(), create.toString());
        assertTrue(create.path("changes").path(0).path("ok").asBoolean(), create.toString());
        assertTrue(Files.exists(store.resolve("web01/pre/snapshot.json")));
        assertEquals("pre", create.path("diff").path("after").path("web01").path("current").asString());
        assertFalse(create.path("log").isEmpty(), "apply's progress lines are in the result, not on stdout");

        JsonNode again = module(snapshot(false, pre + ", \"memory\": false"));
        assertFalse(again.path("changed").asBoolean(), again.toString());
        assertTrue(again.path("warnings").path(0).asString().contains("taken with other settings"), again.toString());

        JsonNode post = module(snapshot(false, "\"domain\": \"web01\", \"name\": \"post\", \"memory\": false, "
                + "\"description\": \"after the upgrade\""));
        assertEquals("pre", post.path("diff").path("before").path("web01").path("current").asString(),
                "before is read before the create: " + post);
        assertEquals("post", post.path("diff").path("after").path("web01").path("current").asString(), post.toString());
        JsonNode listed = Json.mapper().readTree(cli.host("list", "--json").out()).path("snapshots");
        assertEquals("after the upgrade", listed.path(1).path("description").asString(), listed.toString());
        assertTrue(listed.path(0).path("description").isMissingNode() || listed.path(0).path("description").isNull());

        g.write("xvda", 0x22, 0, K64);
        JsonNode refused = module(snapshot(false, pre + ", \"state\": \"reverted\""));
        assertTrue(refused.path("failed").asBoolean());
        assertEquals(76, refused.path("rc").asInt());
        assertTrue(refused.path("msg").asString().contains("web01 is running"), refused.toString());

        JsonNode revert = module(snapshot(false, pre + ", \"state\": \"reverted\", \"force\": true, \"revert_state\": \"running\""));
        assertTrue(revert.path("changed").asBoolean(), revert.toString());
        assertEquals("post", revert.path("diff").path("before").path("web01").path("current").asString(), revert.toString());
        assertEquals("pre", revert.path("diff").path("after").path("web01").path("current").asString(), revert.toString());
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        assertTrue(module(snapshot(true, pre + ", \"state\": \"reverted\", \"force\": true")).path("changed").asBoolean(),
                "a revert always changes");

        JsonNode delete = module(snapshot(false, pre + ", \"state\": \"absent\""));
        assertTrue(delete.path("changed").asBoolean(), delete.toString());
        assertFalse(Files.exists(store.resolve("web01/pre")));
        assertEquals("[\"post\"]", delete.path("diff").path("after").path("web01").path("snapshots").toString());
        assertFalse(module(snapshot(false, pre + ", \"state\": \"absent\"")).path("changed").asBoolean());

        lab.guest("web01").quit();
        String postAbsent = "\"domain\": \"web01\", \"name\": \"post\", \"state\": \"absent\"";
        // post's tag lives in web01.qcow2, outside the store: a domain quit by hand left xsnap no record of its own
        // that vouches for that file (invariant 8), so the delete is refused, naming the record and what to do
        JsonNode goneByHand = module(snapshot(false, postAbsent));
        assertTrue(goneByHand.path("failed").asBoolean() && goneByHand.path("msg").asString().contains(
                store.resolve("web01/post/snapshot.json") + " is damaged: disks[0].image") && goneByHand.path("msg")
                .asString().contains("xsnap did not see web01 stop"), goneByHand.toString());
        assertTrue(Files.exists(store.resolve("web01/post/snapshot.json")), "nothing deleted");
    }

    @Test
    void reconcileNamesEverySpecProblemAtItsPlace() throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: ok
                    memory: maybe
                """);
        JsonNode r = module("""
                {"module": "reconcile", "check_mode": true, "params": {"spec": [
                  "%s",
                  {"apiVersion": "xsnap/v1", "kind": "DomainSnapshots", "domain": "db01", "snapshots": [{"name": "a/b"}]},
                  "apiVersion: xsnap/v1\\nkind: Nope\\n"]}}""".formatted(file));
        assertTrue(r.path("failed").asBoolean());
        assertEquals(65, r.path("rc").asInt());
        List<String> errors = new ArrayList<>();
        r.path("errors").forEach(e -> errors.add(e.asString()));
        assertEquals(3, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(file + ":6:13: snapshots[0].memory: "), errors.get(0));
        assertTrue(errors.get(1).startsWith("spec[1]:5:9: snapshots[0].name: "), errors.get(1));
        assertTrue(errors.get(2).startsWith("spec[2]:2:7: kind: "), errors.get(2));
        assertTrue(r.path("msg").asString().contains(errors.get(0)));

        Path in = Files.writeString(tmp.resolve("info.json"), "{\"module\": \"snapshot_info\"}");
        Cli.Run soon = cli.host("module", "--lock-timeout", "soon", "--input", in.toString());
        assertEquals(64, soon.code(), soon.toString());
        assertEquals("", soon.err(), "no usage text");
        assertEquals("lock_timeout: 'soon' is not a duration (e.g. 30s, 5m, 2h, 7d)",
                Json.mapper().readTree(soon.out()).path("msg").asString(), soon.toString());

        JsonNode missing = module("{\"module\": \"reconcile\", \"params\": {\"spec\": [\"" + tmp.resolve("nope") + "\"]}}");
        assertEquals(66, missing.path("rc").asInt(), missing.toString());
    }

    @Test
    void reconcileAppliesInlineSpecsAndInfoShowsTheTree() throws IOException {
        lab.start("db01", Disk.qcow2("xvda", lab.createDisk("db01.qcow2", "qcow2", 16 * MIB)));
        String spec = """
                {"module": "reconcile", "check_mode": false, "params": {"spec": [
                  {"apiVersion": "xsnap/v1", "kind": "DomainSnapshots", "domain": "db01",
                   "snapshots": [{"name": "one", "memory": false, "description": "from the spec"}]}]}}""";
        assertTrue(module(spec).path("changed").asBoolean());
        assertFalse(module(spec).path("changed").asBoolean(), "a second run changes nothing");
        assertTrue(module(snapshot(false, "\"domain\": \"db01\", \"name\": \"two\", \"memory\": false"))
                .path("changed").asBoolean());

        JsonNode info = module("{\"module\": \"snapshot_info\", \"check_mode\": true, \"params\": {}}");
        assertFalse(info.path("changed").asBoolean());
        JsonNode db01 = info.path("domains").path("db01");
        assertEquals("running", db01.path("state").asString());
        assertEquals("two", db01.path("current").asString());
        assertEquals("[\"one\",\"two\"]", db01.path("snapshots").toString());
        assertEquals("two", db01.path("tree").path(0).path("children").path(0).path("name").asString(), db01.toString());
        assertFalse(info.path("snapshots").path(0).path("memory").asBoolean());
        assertEquals("from the spec", info.path("snapshots").path(0).path("description").asString(), info.toString());

        assertEquals(64, module("{\"module\": \"nope\"}").path("rc").asInt());
        assertEquals(64, module("not json").path("rc").asInt());
        assertEquals(64, module(snapshot(false, "\"domain\": \"../x\", \"name\": \"n\"")).path("rc").asInt());
        for (String state : List.of("present", "absent", "reverted")) {
            JsonNode nosuch = module(snapshot(false, "\"domain\": \"nosuch\", \"name\": \"n\", \"state\": \"" + state + "\""));
            assertEquals("nosuch/n: domain nosuch does not exist on this host and has no snapshots in the store " + store
                    + "; the qemu driver knows db01 (check the domain option)", nosuch.path("msg").asString(), nosuch.toString());
        }
        JsonNode noSnapshot = module(snapshot(false, "\"domain\": \"db01\", \"name\": \"three\", \"state\": \"reverted\""));
        assertEquals("db01/three: snapshot three of db01 does not exist in the store " + store + "; db01 has one, two"
                + " (check the name option, or take it first with state: present)", noSnapshot.path("msg").asString());
    }
}
