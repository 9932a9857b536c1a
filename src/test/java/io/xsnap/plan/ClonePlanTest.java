package io.xsnap.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RestartRecipe;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clone plans of xl snapshots: raw disks kept as reflink copies, the config file a clone needs, what delete-clone removes. */
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
        Plan p = planner().clone(xlHost(true, List.of()), "web01", "s1", "app1", "running");
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
        Plan p = planner().clone(xlHost(false, List.of()), "web01", "s1", "app1", "shutoff");
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
                Path.of("/store/app1/clone.json"), Path.of("/store/app1/xl-restore.cfg")), p.changes().get(0).removes());
    }
}
