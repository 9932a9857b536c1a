package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xsnap.observe.CutMode;
import io.xsnap.observe.Json;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.SnapshotRef;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Invariant 8 on a real guest: manifests, journal entries and clone records whose paths lie outside the store, climb
 * out with {@code ..}, run through a symbolic link, have the wrong type or lack a field. Each case damages one record
 * of a healthy store, runs the command that would act on it, and checks that the command fails naming the damaged
 * record, and that sentinel files outside the store keep their bytes and modification times. Then the store is made
 * healthy again and the next case runs; at the end the healthy store still deletes a clone and reverts.
 */
class HostileStoreOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    private Path outside;
    private Path victim;
    private Path sentinelImage;
    private final Map<Path, byte[]> pristine = new LinkedHashMap<>();

    /** One hostile case: what to damage, the command that must refuse, and the text its message must hold. */
    private record Case(String name, Runnable damage, String[] command, String record) {
    }

    @Test
    void hostileRecordsNeverReachAFileOutsideTheStore() throws IOException {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "ext", "--disk-only", "--disk", "xvda=external"));
        g.write("xvda", 0x22, 0, K64);
        // with memory, its tag in the active layer the external snapshot made: a delete of it runs to the end
        ok(cli.host("create", "web01", "--name", "mem"));
        g.write("xvda", 0x33, 0, K64);
        ok(cli.host("clone", "web01", "ext", "--to", "web02"));

        outside = Files.createDirectories(tmp.resolve("outside"));
        victim = Files.writeString(outside.resolve("victim.txt"), "not xsnap's\n");
        sentinelImage = lab.createOverlay("outside/sentinel.qcow2", base, "qcow2");
        Path link = outside.resolve("link-into-store");
        Files.createSymbolicLink(link, store.resolve("web01"));
        Map<Path, Snapshot> before = sentinels(outside, base);

        Path memManifest = store.resolve("web01/mem/snapshot.json");
        Path extManifest = store.resolve("web01/ext/snapshot.json");
        Path cloneRecord = store.resolve("web02/clone.json");
        for (Path p : List.of(memManifest, extManifest, cloneRecord)) {
            pristine.put(p, Files.readAllBytes(p));
        }
        String up = store.resolve("web01/mem") + "/../../../outside/victim.txt";
        String[] deleteMem = {"delete", "web01", "mem"};
        String[] deleteExt = {"delete", "web01", "ext"};
        String[] revertMem = {"revert", "--force", "web01", "mem"};
        String[] revertExt = {"revert", "--force", "web01", "ext"};
        String[] deleteClone = {"delete-clone", "web02"};
        String[] recover = {"recover"};
        String journal = store.resolve(".journal").toString();
        List<Case> cases = new ArrayList<>();
        // manifests: paths
        cases.add(new Case("memory file climbing out", () -> edit(memManifest, m -> obj(m, "memory").put("file",
                "../../../outside/victim.txt")), deleteMem, memManifest + " is damaged: memory.file"));
        cases.add(new Case("memory file absolute", () -> edit(memManifest, m -> obj(m, "memory").put("file",
                victim.toString())), deleteMem, memManifest + " is damaged: memory.file"));
        cases.add(new Case("memory file '..'", () -> edit(memManifest, m -> obj(m, "memory").put("file", "..")),
                revertMem, memManifest + " is damaged: memory.file"));
        cases.add(new Case("memory file empty", () -> edit(memManifest, m -> obj(m, "memory").put("file", "")),
                deleteMem, memManifest + " is damaged: memory.file is missing"));
        cases.add(new Case("internal image outside the store", () -> edit(memManifest, m -> disk(m).put("image",
                sentinelImage.toString())), deleteMem, memManifest + " is damaged: disks[0].image"));
        cases.add(new Case("internal image outside, revert", () -> edit(memManifest, m -> disk(m).put("image",
                sentinelImage.toString())), revertMem, memManifest + " is damaged: disks[0].image"));
        cases.add(new Case("internal image with '..'", () -> edit(memManifest, m -> disk(m).put("image",
                base.getParent() + "/outside/../base.qcow2")), deleteMem, memManifest + " is damaged: disks[0].image"));
        cases.add(new Case("internal image relative", () -> edit(memManifest, m -> disk(m).put("image", "base.qcow2")),
                deleteMem, memManifest + " is damaged: disks[0].image"));
        cases.add(new Case("frozen file outside the store", () -> edit(extManifest, m -> disk(m).put("frozen",
                sentinelImage.toString())), deleteExt, extManifest + " is damaged: disks[0].frozen"));
        cases.add(new Case("frozen file outside, revert", () -> edit(extManifest, m -> disk(m).put("frozen",
                victim.toString())), revertExt, extManifest + " is damaged: disks[0].frozen"));
        cases.add(new Case("frozen file through '..' from the store", () -> edit(extManifest, m -> disk(m).put("frozen",
                store + "/web01/../../outside/sentinel.qcow2")), deleteExt, extManifest + " is damaged: disks[0].frozen"));
        cases.add(new Case("frozen file through a symlink outside", () -> edit(extManifest, m -> disk(m).put("frozen",
                link + "/layers/xvda.1.qcow2")), deleteExt, extManifest + " is damaged: disks[0].frozen"));
        cases.add(new Case("frozen file outside, vouched for by a layer planted in the store", () -> {
            lab.qemuImg().createOverlay(store.resolve("web01/layers/xvda.9.qcow2"), sentinelImage.toString(), "qcow2");
            edit(extManifest, m -> disk(m).put("frozen", sentinelImage.toString()));
        }, deleteExt, extManifest + " is damaged: disks[0].frozen"));
        cases.add(new Case("overlay outside the store", () -> edit(extManifest, m -> disk(m).put("overlay",
                victim.toString())), deleteExt, extManifest + " is damaged: disks[0].overlay"));
        cases.add(new Case("vdev climbing out", () -> edit(memManifest, m -> disk(m).put("vdev", "../../../outside/x")),
                deleteMem, memManifest + " is damaged: disks[0].vdev"));
        cases.add(new Case("parent climbing out", () -> edit(memManifest, m -> m.put("parent", "../..")), deleteMem,
                memManifest + " is damaged: parent"));
        // manifests: types and missing fields
        cases.add(new Case("disks not a list", () -> edit(memManifest, m -> m.put("disks", "xvda")), deleteMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("memory a number", () -> edit(memManifest, m -> m.put("memory", 5)), deleteMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("created an object", () -> edit(memManifest, m -> m.putObject("created")), revertMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("format_version text", () -> edit(memManifest, m -> m.put("format_version", "one")), deleteMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("not JSON", () -> write(memManifest, "{\"name\": \"mem\", "), deleteMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("disks missing", () -> edit(memManifest, m -> m.remove("disks")), deleteMem,
                memManifest + " is damaged: unreadable manifest"));
        cases.add(new Case("created missing", () -> edit(memManifest, m -> m.remove("created")), deleteMem,
                memManifest + " is damaged: created is missing"));
        cases.add(new Case("mode missing", () -> edit(memManifest, m -> disk(m).remove("mode")), deleteMem,
                memManifest + " is damaged: disks[0].mode is missing"));
        cases.add(new Case("mode unknown", () -> edit(memManifest, m -> disk(m).put("mode", "rm -rf")), deleteMem,
                memManifest + " is damaged: disks[0].mode"));
        cases.add(new Case("tag missing", () -> edit(memManifest, m -> disk(m).remove("tag")), deleteMem,
                memManifest + " is damaged: disks[0].tag is missing"));
        cases.add(new Case("frozen missing", () -> edit(extManifest, m -> disk(m).remove("frozen")), deleteExt,
                extManifest + " is damaged: disks[0].frozen is missing"));
        cases.add(new Case("names another snapshot", () -> edit(memManifest, m -> m.put("name", "ext")), deleteMem,
                memManifest + " is damaged: it names web01/ext"));
        // clone records
        cases.add(new Case("clone overlay outside the store", () -> edit(cloneRecord, c -> disk(c).put("overlay",
                victim.toString())), deleteClone, cloneRecord + " is damaged: disks[0].overlay"));
        cases.add(new Case("clone overlay climbing out", () -> edit(cloneRecord, c -> disk(c).put("overlay",
                store + "/web02/layers/../../../outside/victim.txt")), deleteClone, cloneRecord + " is damaged: disks[0].overlay"));
        cases.add(new Case("clone overlay another domain's", () -> edit(cloneRecord, c -> disk(c).put("overlay",
                store + "/web01/layers/xvda.1.qcow2")), deleteClone, cloneRecord + " is damaged: disks[0].overlay"));
        cases.add(new Case("clone base outside the store", () -> edit(cloneRecord, c -> disk(c).put("base",
                sentinelImage.toString())), deleteClone, cloneRecord + " is damaged: disks[0].base"));
        cases.add(new Case("clone disks not a list", () -> edit(cloneRecord, c -> c.put("disks", 7)), deleteClone,
                cloneRecord + " is damaged: unreadable clone record"));
        cases.add(new Case("clone overlay missing", () -> edit(cloneRecord, c -> disk(c).remove("overlay")), deleteClone,
                cloneRecord + " is damaged: disks[0].overlay is missing"));
        // journal records
        cases.add(new Case("journal removes a file outside", () -> journalDelete(List.of(victim), List.of()), recover,
                journal + " is damaged: the record of web01/ghost removes"));
        cases.add(new Case("journal removes through '..'", () -> journalDelete(List.of(Path.of(store
                + "/web01/ghost/../../../outside/victim.txt")), List.of()), recover, journal + " is damaged"));
        cases.add(new Case("journal removes the store's sibling through a symlink", () -> journalDelete(List.of(
                link.resolve("mem/memory.save")), List.of()), recover, journal + " is damaged"));
        cases.add(new Case("journal merges into a file outside", () -> journalDelete(List.of(), List.of(new DiskChange(
                "xvda", CutMode.EXTERNAL, "qcow2", sentinelImage, null, store.resolve("web01/layers/xvda.1.qcow2"),
                DiskChange.Merge.COMMIT))), recover, journal + " is damaged: the record of web01/ghost disks.image"));
        cases.add(new Case("journal change of the wrong type", () -> write(store.resolve(".journal"),
                "{\"change\":\"web01/ghost\",\"step\":\"begin\",\"domain\":\"web01\",\"driver\":\"qemu\","
                        + "\"data\":{\"change\":{\"action\":\"delete\",\"domain\":\"web01\",\"snapshot\":\"ghost\","
                        + "\"removes\":\"" + victim + "\"}}}\n"), recover, journal + " is damaged"));
        cases.add(new Case("journal change for another address", () -> write(store.resolve(".journal"),
                "{\"change\":\"web01/mem\",\"step\":\"begin\",\"domain\":\"web01\",\"driver\":\"qemu\",\"data\":{\"change\":"
                        + Json.mapper().writer().without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(ghostDelete(List.of(victim), List.of())) + "}}\n"),
                recover, journal + " is damaged"));

        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            c.damage().run();
            Cli.Run r = cli.host(c.command()[0], java.util.Arrays.copyOfRange(c.command(), 1, c.command().length));
            Map<Path, Snapshot> after = sentinels(outside, base);
            if (!before.equals(after)) {
                failures.add(c.name() + ": a file outside the store changed: " + before + " -> " + after + "\n" + r);
                Files.writeString(victim, "not xsnap's\n");
                before = sentinels(outside, base);
            } else if (r.code() == 0 || !(r.out() + r.err()).contains(c.record())) {
                failures.add(c.name() + ": the command must fail naming " + c.record() + "\n" + r);
            } else if (c.command() != recover) {
                Cli.Run list = cli.host("list");
                if (list.code() != 0 || !list.out().contains("Damaged") || !list.out().contains(c.record())) {
                    failures.add(c.name() + ": list must show the record damaged\n" + list);
                }
            }
            heal();
        }
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " cases failed");
        // the healthy store still works: the clone goes, the snapshots revert to their bytes
        ok(cli.host("delete-clone", "web02"));
        ok(cli.host("revert", "--force", "web01", "mem"));
        lab.guest("web01").assertReads("xvda", 0x22, 0, K64);
        ok(cli.host("revert", "--force", "web01", "ext"));
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        assertEquals(before, sentinels(outside, base), "nothing outside the store changed");
        assertEquals(40, cases.size(), "the count in docs/reliability.md");
    }

    private void heal() {
        try {
            for (Map.Entry<Path, byte[]> e : pristine.entrySet()) {
                Files.createDirectories(e.getKey().getParent());
                Files.write(e.getKey(), e.getValue());
            }
            Files.deleteIfExists(store.resolve(".journal"));
            Files.deleteIfExists(store.resolve("web01/layers/xvda.9.qcow2"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ObjectNode obj(ObjectNode m, String field) {
        return (ObjectNode) m.get(field);
    }

    private static ObjectNode disk(ObjectNode m) {
        return (ObjectNode) ((ArrayNode) m.get("disks")).get(0);
    }

    private static void edit(Path file, Consumer<ObjectNode> change) {
        try {
            ObjectNode doc = (ObjectNode) Json.mapper().readTree(Files.readAllBytes(file));
            change.accept(doc);
            Files.write(file, Json.mapper().writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Change ghostDelete(List<Path> removes, List<DiskChange> disks) {
        return new Change.Delete(new SnapshotRef("web01", "ghost"), "planted", false, disks, List.of(), removes, List.of());
    }

    /** A begun delete of snapshot web01/ghost, as an interrupted run would have journalled it. */
    private void journalDelete(List<Path> removes, List<DiskChange> disks) {
        new Journal(store.resolve(".journal"), Json.mapper()).begin(ghostDelete(removes, disks), "qemu", null, null);
    }

    /** A file's bytes (as a digest) and modification time. */
    private record Snapshot(String sha256, FileTime mtime) {
    }

    private static Map<Path, Snapshot> sentinels(Path outside, Path base) throws IOException {
        Map<Path, Snapshot> out = new LinkedHashMap<>();
        try (var files = Files.list(outside)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    out.put(f, new Snapshot(Digests.sha256(f), Files.getLastModifiedTime(f)));
                }
            }
        }
        return out;
    }

}
