package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.disk;
import static io.xsnap.plan.Fixtures.external;
import static io.xsnap.plan.Fixtures.internal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Json;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.render.JsonPlanView;
import io.xsnap.spec.DiskMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of every kind of change, as the planners make them: the same bytes as before the changes became one record
 * per action ({@code changes-every-kind.json} was written by the 16-field record of main, commit 1115e0a), and read
 * back (a saved plan, a journal's begin entry) into the same records.
 */
class ChangeJsonTest {
    private static final String QCOW2_FROZEN = "/store/web01/layers/xvda.1.qcow2";
    private static final String RAW_FROZEN = "/store/web01/layers/xvdb.1.raw";

    private static ImageInfo image(String path, String format) {
        return new ImageInfo(Path.of(path), format, 1 << 20, "qcow2".equals(format) ? 3 : 0, 65536, null, null, null, null,
                false, false, List.of(), 4096);
    }

    /** web01/s1 on xl: xvda external on a qcow2 overlay, xvdb a raw disk kept as a reflink copy. */
    private static Actual xlHost(List<CloneRecord> clones) {
        RestartRecipe recipe = new RestartRecipe(List.of(), "{\"c_info\":{\"name\":\"web01\"}}", "/etc/xen/web01.cfg",
                "name = \"web01\"\n");
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, "s1", "web01", "xl", Fixtures.NOW, null, "running", null,
                List.of(new Manifest.Disk("xvda", "external", "qcow2", null, null, QCOW2_FROZEN, "/store/web01/layers/x.qcow2"),
                        new Manifest.Disk("xvdb", "external", "raw", null, null, RAW_FROZEN, null)),
                null, recipe);
        return new Actual("xl", List.of(), List.of(image(QCOW2_FROZEN, "qcow2"), image(RAW_FROZEN, "raw")),
                List.of(new StoredSnapshot(m, 0)), List.of(), List.of(), List.of(), clones);
    }

    /** web01 running on xl: a qcow2 disk QEMU serves, a raw one on blkback that can be copied by reflink. */
    private static Actual runningXl() {
        DomainInfo web01 = new DomainInfo("web01", "xl", 7, RunState.RUNNING, List.of(
                new DiskInfo("xvda", Path.of("/img/web01.qcow2"), "qcow2", "xvda-qcow2", false),
                new DiskInfo("xvdb", Path.of("/data/web01.raw"), "raw", null, false, true)));
        return new Actual("xl", List.of(web01), List.of(image("/img/web01.qcow2", "qcow2"), image("/data/web01.raw", "raw")),
                List.of(), List.of(), List.of());
    }

    /** web01 on qemu with snapshot s (internal xvda, external xvdb). */
    private static Fixtures qemuHost() {
        return new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"),
                        disk("xvdb", "/store/web01/layers/xvdb.1.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, "s")
                .image("/img/b.raw", "raw", null, 1)
                .image("/store/web01/layers/xvdb.1.qcow2", "qcow2", "/img/b.raw", 1)
                .stored("web01", "s", true, internal("xvda", "/img/a.qcow2", "s"),
                        external("xvdb", "/img/b.raw", "/store/web01/layers/xvdb.1.qcow2"));
    }

    /** One change of every kind, made by the planners. */
    static List<Change> everyKind() {
        Planner planner = Fixtures.planner();
        ClonePlanner clones = new ClonePlanner(Fixtures.STORE, Fixtures.NOW);
        List<Change> all = new ArrayList<>();
        Actual qemu = qemuHost().actual();
        all.addAll(planner.create(qemu, "web01", "new", true, false, Map.of("xvda", DiskMode.INTERNAL))
                .describing("before the upgrade").changes());
        all.addAll(planner.create(runningXl(), "web01", "gold", false, false, Map.of()).changes());
        all.add(((Change.Revert) planner.revert(qemu, "web01", "s", RunState.PAUSED, true).changes().get(0))
                .withRequest("TICKET-1"));
        all.addAll(planner.delete(qemu, "web01", "s").changes());
        Change create = planner.create(qemu, "web01", "s1", true, false, Map.of("xvda", DiskMode.INTERNAL)).changes().get(0);
        Interrupted cutEnded = new Interrupted("web01/s1", "web01", create, List.of("mkdir", "overlay xvdb", "pause", "save",
                "cut-done"), null, null, 4096, true);
        Interrupted cutUnended = new Interrupted("web01/s1", "web01", create, List.of("mkdir", "overlay xvdb", "pause",
                "save"), null, null, -1, false);
        all.addAll(planner.recover(qemu, List.of(cutEnded)).changes());
        all.addAll(planner.recover(qemu, List.of(cutUnended)).changes());
        all.addAll(clones.clone(xlHost(List.of()), "web01", "s1", "app1", RunState.RUNNING).changes());
        all.addAll(clones.clone(xlHost(List.of()), "web01", "s1", "app2", RunState.SHUTOFF).changes());
        CloneRecord rec = new CloneRecord(CloneRecord.FORMAT_VERSION, "app1", "web01", "s1", Fixtures.NOW,
                List.of(new CloneRecord.Disk("xvda", "/store/app1/layers/xvda.1.qcow2", QCOW2_FROZEN, "qcow2"),
                        new CloneRecord.Disk("xvdb", "/store/app1/layers/xvdb.1.raw", RAW_FROZEN, "raw")),
                new RestartRecipe(List.of(), null), null);
        all.addAll(clones.deleteClone(xlHost(List.of(rec)), "app1").changes());
        all.addAll(clones.backup(runningXl(), "web01", "backup-1", new Change.Export(Path.of("/backup"), "qcow2", true))
                .changes());
        return all;
    }

    private static Plan plan(List<Change> changes) {
        return new Plan(Plan.FORMAT_VERSION, Fixtures.NOW, "qemu", changes, List.of());
    }

    private static String json(Plan plan) {
        StringWriter sw = new StringWriter();
        new JsonPlanView().render(plan, new PrintWriter(sw));
        return sw.toString();
    }

    @Test
    void everyKindOfChangeIsWrittenAsTheFlatObjectItAlwaysWas() throws Exception {
        List<Change> all = everyKind();
        assertEquals(10, all.size(), all.toString());
        for (Action a : Action.values()) {
            assertTrue(all.stream().anyMatch(c -> c.action() == a), "no " + a + " change in the sample");
        }
        Path golden = Path.of("src/test/resources/golden/changes-every-kind.json");
        if (Boolean.getBoolean("xsnap.golden.update")) {
            Files.writeString(golden, json(plan(all)), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), json(plan(all)));
    }

    /** A create whose memory goes to a file outside the store (memory_path), and the recovery of it. */
    static List<Change> withMemoryFile() {
        Planner planner = Fixtures.planner();
        Actual qemu = qemuHost().actual();
        Change create = planner.create(qemu, "web01", "out", true, false, Map.of("xvda", DiskMode.INTERNAL), Map.of(),
                Path.of("/srv/memory/web01-out.save")).changes().get(0);
        Interrupted cutUnended = new Interrupted("web01/out", "web01", create, List.of("mkdir", "pause", "save"), null,
                null, -1, false);
        List<Change> all = new ArrayList<>(List.of(create));
        all.addAll(planner.recover(qemu, List.of(cutUnended)).changes());
        return all;
    }

    @Test
    void anOutsideMemoryFileIsWrittenAsMemoryFileAndReadBack() {
        List<Change> all = withMemoryFile();
        assertEquals(Path.of("/srv/memory/web01-out.save"), ((Change.Create) all.get(0)).memoryFile());
        assertEquals(Path.of("/srv/memory/web01-out.save"), ((Change.Recover) all.get(1)).memoryFile());
        String text = json(plan(all));
        assertTrue(text.contains("\"memory_file\" : \"/srv/memory/web01-out.save\""), text);
        JsonMapper json = Json.mapper();
        for (Change c : all) {
            assertEquals(c, json.treeToValue(json.valueToTree(c), Change.class));
        }
        assertFalse(json(plan(everyKind())).contains("memory_file"), "left out when there is none");
    }

    @Test
    void aSavedPlanAndAJournalEntryReadBackIntoTheSameRecords() {
        List<Change> all = everyKind();
        JsonMapper json = Json.mapper();
        SavedPlan back = json.readValue(json.writeValueAsString(SavedPlan.of(plan(all), "f")), SavedPlan.class);
        assertEquals(all, back.plan().changes());
        assertEquals(json(plan(all)), json(back.plan()));
        for (Change c : all) {
            // the journal's begin entry holds the change as a tree and reads it back as Change.class
            assertEquals(c, json.treeToValue(json.valueToTree(c), Change.class));
        }
    }

    @Test
    void aReflinkCopyIsWrittenAsAnExternalDiskAndReadBackAsACopy() {
        Change.Create xl = (Change.Create) everyKind().get(1);
        DiskChange copy = xl.disks().get(1);
        assertEquals(CutMode.REFLINK_COPY, copy.mode());
        JsonMapper json = Json.mapper();
        String text = json.writeValueAsString(copy);
        assertTrue(text.contains("\"mode\" : \"external\""), text);
        assertEquals(copy, json.readValue(text, DiskChange.class));
        DiskChange overlay = xl.disks().get(0);
        assertEquals(CutMode.INTERNAL, overlay.mode());
        assertFalse(json.readValue(json.writeValueAsString(new DiskChange("xvdb", CutMode.EXTERNAL, "raw",
                Path.of("/img/b.raw"), null, Path.of("/store/web01/layers/xvdb.1.qcow2"), null)), DiskChange.class)
                .reflinkCopy(), "an overlay on a raw disk is no copy");
    }

    @Test
    void aChangeWithoutAnActionOrWithAnUnknownRunStateIsRefusedWhenReadBack() {
        JsonMapper json = Json.mapper();
        var tree = json.valueToTree(everyKind().get(0));
        var noAction = tree.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) noAction).remove("action");
        Exception e = assertThrows(Exception.class, () -> json.treeToValue(noAction, Change.class));
        assertTrue(String.valueOf(e.getMessage()).contains("action is missing"), e.toString());
        var odd = tree.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) odd).put("run_after", "sideways");
        e = assertThrows(Exception.class, () -> json.treeToValue(odd, Change.class));
        assertTrue(String.valueOf(e.getMessage()).contains("run_after 'sideways' is not a run state"), e.toString());
    }
}
