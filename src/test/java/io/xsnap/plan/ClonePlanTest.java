package io.xsnap.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clone and backup plans of xl domains: raw disks kept as reflink copies, the config file a clone needs, what
 * delete-clone removes, a backup's brief pause for a raw disk.
 */
class ClonePlanTest {
    static final String QCOW2_FROZEN = "/img/web01.qcow2";
    static final String RAW_FROZEN = "/store/web01/layers/xvdb.1.raw";

    private static ImageInfo image(String path, String format) {
        return new ImageInfo(Path.of(path), format, 1 << 20, "qcow2".equals(format) ? 3 : 0, 65536, null, null, null, null,
                false, false, List.of(), 4096);
    }

    /** web01/s1: xvda external on a qcow2 overlay, xvdb a raw disk copied by reflink; taken with or without --xl-config. */
    private static Actual xlHost(boolean configText, List<CloneRecord> clones) {
        RestartRecipe recipe = new RestartRecipe(List.of(), "{\"c_info\":{\"name\":\"web01\"}}",
                configText ? "/etc/xen/web01.cfg" : null, configText ? "name = \"web01\"\n" : null);
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, "s1", "web01", "xl", Fixtures.NOW, null, "running", null,
                List.of(new Manifest.Disk("xvda", "external", "qcow2", null, null, QCOW2_FROZEN, "/store/web01/layers/xvda.1.qcow2"),
                        new Manifest.Disk("xvdb", "external", "raw", null, null, RAW_FROZEN, null)),
                null, recipe);
        return new Actual("xl", List.of(), List.of(image(QCOW2_FROZEN, "qcow2"), image(RAW_FROZEN, "raw")),
                List.of(new StoredSnapshot(m, 0)), List.of(), List.of(), List.of(), clones);
    }

    private static ClonePlanner planner() {
        return new ClonePlanner(Fixtures.STORE, Fixtures.NOW);
    }

    @Test
    void aRawDiskKeptAsAReflinkCopyIsCopiedAgainForTheCloneAndTheQcow2DiskGetsAnOverlay() {
        Plan p = planner().clone(xlHost(true, List.of()), "web01", "s1", "app1", RunState.RUNNING);
        assertFalse(p.hasErrors(), p.findings().toString());
        Change c = p.changes().get(0);
        assertEquals(Path.of("/store/app1/layers/xvda.1.qcow2"), c.disks().get(0).layer());
        assertFalse(c.disks().get(0).reflinkCopy());
        assertEquals(Path.of("/store/app1/layers/xvdb.1.raw"), c.disks().get(1).layer());
        assertTrue(c.disks().get(1).reflinkCopy());
        assertTrue(c.steps().contains("cp --reflink=always " + RAW_FROZEN + " /store/app1/layers/xvdb.1.raw"), c.steps().toString());
        assertTrue(c.steps().contains("qemu-img create -f qcow2 -b " + QCOW2_FROZEN + " -F qcow2 /store/app1/layers/xvda.1.qcow2"),
                c.steps().toString());
    }

    @Test
    void anXlSnapshotTakenWithoutItsConfigFileCannotBeClonedAndThePlanSaysWhy() {
        Plan p = planner().clone(xlHost(false, List.of()), "web01", "s1", "app1", RunState.SHUTOFF);
        assertTrue(p.hasErrors());
        Finding f = p.findings().get(0);
        assertEquals("snapshot web01/s1 was taken without web01's xl config file, from which a clone's config is derived",
                f.message());
        assertTrue(f.fix().contains("--xl-config FILE"), f.fix());
    }

    @Test
    void deletingAnXlCloneRemovesItsOwnFilesAndTheConfigItWasStartedWith() {
        CloneRecord rec = new CloneRecord(CloneRecord.FORMAT_VERSION, "app1", "web01", "s1", Fixtures.NOW,
                List.of(new CloneRecord.Disk("xvda", "/store/app1/layers/xvda.1.qcow2", QCOW2_FROZEN, "qcow2"),
                        new CloneRecord.Disk("xvdb", "/store/app1/layers/xvdb.1.raw", RAW_FROZEN, "raw")),
                new RestartRecipe(List.of(), null), null);
        Plan p = planner().deleteClone(xlHost(true, List.of(rec)), "app1");
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of(Path.of("/store/app1/layers/xvda.1.qcow2"), Path.of("/store/app1/layers/xvdb.1.raw"),
                Path.of("/store/app1/clone.json"), Path.of("/store/app1/xl-restore.cfg"), Path.of("/store/app1/.current")),
                p.changes().get(0).removes());
    }

    private static Actual runningXl(boolean reflink) {
        DomainInfo web01 = new DomainInfo("web01", "xl", 7, RunState.RUNNING, List.of(
                new DiskInfo("xvda", Path.of("/img/web01.qcow2"), "qcow2", "xvda-qcow2", false),
                new DiskInfo("xvdb", Path.of("/data/web01.raw"), "raw", null, false, reflink)));
        return new Actual("xl", List.of(web01), List.of(image("/img/web01.qcow2", "qcow2"), image("/data/web01.raw", "raw")),
                List.of(), List.of(), List.of());
    }

    @Test
    void aBackupCutsARawBlkbackDiskByAReflinkCopyWhileTheDomainIsPausedAndSaysSo() {
        Plan p = planner().backup(runningXl(true), "web01", "backup-1", new Change.Export(Path.of("/backup"), "qcow2", false));
        assertFalse(p.hasErrors(), p.findings().toString());
        Change c = p.changes().get(0);
        assertEquals(Impact.DISRUPTIVE, c.impact());
        assertTrue(c.reason().contains("pauses web01 briefly while raw disk xvdb is copied"), c.reason());
        String copy = "/store/web01/layers/xvdb.1.raw";
        assertEquals(List.of("qemu-img create -f qcow2 -b /img/web01.qcow2 -F qcow2 /store/web01/layers/xvda.1.qcow2",
                "pause web01 briefly: raw disk xvdb is copied while it is paused",
                "copy: cp --reflink=always /data/web01.raw " + copy,
                "cut disks in one transaction: xvda: /img/web01.qcow2 frozen, temporary layer /store/web01/layers/xvda.1.qcow2",
                "resume web01",
                "write the temporary snapshot's manifest /store/web01/backup-1/snapshot.json",
                "qemu-img convert -O qcow2 /img/web01.qcow2 /backup/xvda.qcow2",
                "qemu-img convert -O qcow2 " + copy + " /backup/xvdb.qcow2",
                "sha256 of each exported file; write /backup/backup.json",
                "delete the temporary snapshot web01/backup-1: commit each temporary layer back into the file below "
                        + "(live block-commit); remove the reflink copies"), c.steps());
    }

    @Test
    void aBackupOfARawBlkbackDiskWithoutReflinkIsRefusedWithTheWayOut() {
        Plan p = planner().backup(runningXl(false), "web01", "backup-1", new Change.Export(Path.of("/backup"), "qcow2", false));
        assertTrue(p.hasErrors());
        Finding f = p.findings().get(0);
        assertTrue(f.message().startsWith("web01 disk xvdb (/data/web01.raw) is not served by a QEMU xsnap can reach"), f.message());
        assertTrue(f.message().contains("cp --reflink needs the disk and /store on one btrfs or xfs filesystem"), f.message());
        assertTrue(f.fix().startsWith("convert it to qcow2"), f.fix());
    }

    /** A clone of a snapshot the same plan creates (kind: DomainClone): the raw disk's reflink copy is its frozen file. */
    @Test
    void aCloneOfAPlannedSnapshotCopiesTheRawDisksReflinkCopyNotTheLiveDisk() {
        Actual actual = runningXl(true);
        Change.Create create = (Change.Create) new Planner(Fixtures.STORE, Fixtures.NOW).create(actual, "web01", "gold", false,
                false, java.util.Map.of()).changes().get(0);
        HostIndex index = new HostIndex(actual, Fixtures.STORE);
        index.planned(create);
        List<Finding> findings = new java.util.ArrayList<>();
        Change clone = planner().cloneOfPlanned(index, findings, create, "app1", RunState.SHUTOFF);
        assertEquals(List.of(), findings);
        DiskChange xvdb = clone.disks().get(1);
        assertEquals(Path.of("/store/web01/layers/xvdb.1.raw"), xvdb.image(), "the frozen copy, not /data/web01.raw");
        assertTrue(xvdb.reflinkCopy());
        assertTrue(clone.steps().contains("cp --reflink=always /store/web01/layers/xvdb.1.raw /store/app1/layers/xvdb.1.raw"),
                clone.steps().toString());
    }

    /** A started xl clone's own snapshot, planned with the clone: its raw disk is a reflink copy, so it is copied again. */
    @Test
    void theSnapshotOfACloneWithARawCopyIsPlannedAsAnotherReflinkCopy() {
        Actual host = xlHost(true, List.of());
        DomainInfo web01 = new DomainInfo("web01", "xl", 7, RunState.RUNNING, List.of(
                new DiskInfo("xvda", Path.of("/store/web01/layers/xvda.1.qcow2"), "qcow2", "xvda-qcow2", false),
                new DiskInfo("xvdb", Path.of("/data/web01.raw"), "raw", null, false, true)));
        Actual withDomain = new Actual("xl", List.of(web01), host.images(), host.snapshots(), List.of(), List.of());
        io.xsnap.spec.Desired d = new io.xsnap.spec.Desired(
                List.of(new io.xsnap.spec.DomainSpec("app1", List.of(Fixtures.snap("first", io.xsnap.spec.Presence.PRESENT,
                        false, java.util.Map.of())), new io.xsnap.spec.SourceRef("app1.yaml", 1, 1))),
                List.of(new io.xsnap.spec.CloneSpec("app1", "web01", "s1", io.xsnap.spec.Presence.PRESENT, "running",
                        new io.xsnap.spec.SourceRef("app1.yaml", 9, 1))));
        Plan p = Fixtures.plan(d, withDomain);
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of(Action.CLONE, Action.CREATE), p.changes().stream().map(Change::action).toList());
        DiskChange raw = p.changes().get(1).disks().stream().filter(x -> x.vdev().equals("xvdb")).findFirst().orElseThrow();
        assertEquals(Path.of("/store/app1/layers/xvdb.1.raw"), raw.image(), "the clone's own copy is what is copied");
        assertTrue(raw.reflinkCopy(), raw.toString());
        assertEquals(Path.of("/store/app1/layers/xvdb.2.raw"), raw.layer());
    }

    /** Two snapshots of one xl domain in one plan: the raw blkback disk is copied by reflink for each, from the disk. */
    @Test
    void twoSnapshotsInOnePlanEachCopyTheRawDiskItself() {
        io.xsnap.spec.Desired d = new io.xsnap.spec.Desired(List.of(new io.xsnap.spec.DomainSpec("web01", List.of(
                Fixtures.snap("a", io.xsnap.spec.Presence.PRESENT, false, java.util.Map.of()),
                Fixtures.snap("b", io.xsnap.spec.Presence.PRESENT, false, java.util.Map.of())),
                new io.xsnap.spec.SourceRef("web01.yaml", 1, 1))));
        Plan p = Fixtures.plan(d, runningXl(true));
        assertEquals(List.of(), p.findings());
        List<DiskChange> raw = p.changes().stream()
                .map(c -> c.disks().stream().filter(x -> x.vdev().equals("xvdb")).findFirst().orElseThrow()).toList();
        assertEquals(List.of(Path.of("/data/web01.raw"), Path.of("/data/web01.raw")), raw.stream().map(DiskChange::image).toList());
        assertEquals(List.of(Path.of("/store/web01/layers/xvdb.1.raw"), Path.of("/store/web01/layers/xvdb.2.raw")),
                raw.stream().map(DiskChange::layer).toList());
        assertTrue(raw.stream().allMatch(DiskChange::reflinkCopy), raw.toString());
    }

    /** On xl a clone's config comes from the snapshot's xl config file: a snapshot the plan creates must name one. */
    @Test
    void aCloneOfAnXlSnapshotThePlanCreatesNeedsTheSourcesXlConfig() {
        io.xsnap.spec.SourceRef at = new io.xsnap.spec.SourceRef("web01.yaml", 1, 1);
        List<io.xsnap.spec.SnapshotSpec> gold = List.of(Fixtures.snap("gold", io.xsnap.spec.Presence.PRESENT, false,
                java.util.Map.of()));
        List<io.xsnap.spec.CloneSpec> clone = List.of(new io.xsnap.spec.CloneSpec("app1", "web01", "gold",
                io.xsnap.spec.Presence.PRESENT, "shutoff", new io.xsnap.spec.SourceRef("app1.yaml", 1, 1)));
        Plan without = Fixtures.plan(new io.xsnap.spec.Desired(List.of(new io.xsnap.spec.DomainSpec("web01", gold, at)), clone),
                runningXl(true));
        assertTrue(without.hasErrors());
        assertEquals("add xlConfig: to web01's spec", without.findings().get(0).fix());
        Plan with = Fixtures.plan(new io.xsnap.spec.Desired(List.of(new io.xsnap.spec.DomainSpec("web01", gold, at,
                java.util.Optional.of(Path.of("/etc/xen/web01.cfg")))), clone), runningXl(true));
        assertFalse(with.hasErrors(), with.findings().toString());
        assertEquals(List.of(Action.CREATE, Action.CLONE), with.changes().stream().map(Change::action).toList());
    }
}
