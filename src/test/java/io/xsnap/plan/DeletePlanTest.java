package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.disk;
import static io.xsnap.plan.Fixtures.external;
import static io.xsnap.plan.Fixtures.internal;
import static io.xsnap.plan.Fixtures.planner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RunState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Invariants 2 and 3 at plan time: which file leaves a chain and which stays. */
class DeletePlanTest {

    private static DiskChange onlyDisk(Plan p) {
        assertFalse(p.hasErrors(), p.findings().toString());
        return p.changes().get(0).disks().get(0);
    }

    private static boolean deletes(Plan p, String file) {
        return p.changes().get(0).touches().stream().anyMatch(t -> t.startsWith(file + " (deleted"));
    }

    @Test
    void userBaseDiskTakesTheLayerBackByCommit() {
        // /img/base.qcow2 (user's, frozen by s1) <- /store/web01/layers/xvda.1.qcow2 (active)
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/store/web01/layers/xvda.1.qcow2", "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100)
                .image("/store/web01/layers/xvda.1.qcow2", "qcow2", "/img/base.qcow2", 1)
                .stored("web01", "s1", false, external("xvda", "/img/base.qcow2", "/store/web01/layers/xvda.1.qcow2"));
        Plan p = planner().delete(f.actual(), "web01", "s1");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.COMMIT, d.merge());
        assertEquals(Path.of("/store/web01/layers/xvda.1.qcow2"), d.layer());
        assertFalse(deletes(p, "/img/base.qcow2"), "a file outside the store is never deleted");
        assertTrue(deletes(p, "/store/web01/layers/xvda.1.qcow2"));
    }

    @Test
    void middleOfChainStreamsWhenTheLayerAboveIsAnotherSnapshotsFrozenFile() {
        // base (s1) <- L1 (s2 frozen) <- L2 (s3 frozen) <- L3 active; delete s2: L1 must go, L2 must keep its identity.
        String l1 = "/store/web01/layers/xvda.1.qcow2", l2 = "/store/web01/layers/xvda.2.qcow2", l3 = "/store/web01/layers/xvda.3.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l3, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", 10)
                .image(l2, "qcow2", l1, 1).image(l3, "qcow2", l2, 1)
                .stored("web01", "s1", false, external("xvda", "/img/base.qcow2", l1))
                .stored("web01", "s2", false, external("xvda", l1, l2))
                .stored("web01", "s3", false, external("xvda", l2, l3));
        Plan p = planner().delete(f.actual(), "web01", "s2");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.STREAM, d.merge(), "L2 is s3's frozen file: it cannot be removed, so L1 streams into it");
        assertEquals(Path.of(l2), d.layer());
        assertTrue(deletes(p, l1));
        assertFalse(deletes(p, l2));
    }

    @Test
    void mergeDirectionCopiesFewerBytes() {
        String l1 = "/store/web01/layers/xvda.1.qcow2", l2 = "/store/web01/layers/xvda.2.qcow2", l3 = "/store/web01/layers/xvda.3.qcow2";
        for (long[] sizes : new long[][] {{10, 500, DiskChange.Merge.STREAM.ordinal()}, {500, 10, DiskChange.Merge.COMMIT.ordinal()}}) {
            // s2 froze l1, l2 is an unnamed intermediate layer (no manifest names it), l3 active.
            Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l3, "qcow2"))
                    .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", sizes[0])
                    .image(l2, "qcow2", l1, sizes[1]).image(l3, "qcow2", l2, 1)
                    .stored("web01", "s2", false, external("xvda", l1, l2));
            DiskChange d = onlyDisk(planner().delete(f.actual(), "web01", "s2"));
            assertEquals(DiskChange.Merge.values()[(int) sizes[2]], d.merge(), "sizes " + sizes[0] + "/" + sizes[1]);
        }
    }

    @Test
    void mergeDirectionFollowsTheClusterTablesWhenTheyWereRead() {
        // l1 is the larger file, but l2 overwrote most of it: streaming l1 copies only what still shows through.
        String l1 = "/store/web01/layers/xvda.1.qcow2", l2 = "/store/web01/layers/xvda.2.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l2, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", 96 << 20)
                .image(l2, "qcow2", l1, 80 << 20).costs(80 << 20, 16 << 20)
                .stored("web01", "s1", false, external("xvda", "/img/base.qcow2", l1))
                .stored("web01", "s2", false, external("xvda", l1, l2));
        Plan p = planner().delete(f.actual(), "web01", "s2");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.STREAM, d.merge(), "file sizes alone would commit 80 MiB instead of streaming 16");
        assertTrue(p.changes().get(0).steps().stream().anyMatch(s -> s.endsWith("(copies 16.0 MiB; the other way 80.0 MiB)")),
                p.changes().get(0).steps().toString());
    }

    @Test
    void deletingASnapshotAnotherDomainBuildsOnIsRefusedNamingIt() {
        String gold = "/store/web01/layers/xvda.1.qcow2";
        Fixtures f = new Fixtures()
                .domain("web01", RunState.RUNNING, disk("xvda", "/store/web01/layers/xvda.2.qcow2", "qcow2"))
                .domain("web02", RunState.RUNNING, disk("xvda", "/img/web02.qcow2", "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(gold, "qcow2", "/img/base.qcow2", 50)
                .image("/store/web01/layers/xvda.2.qcow2", "qcow2", gold, 1)
                .image("/img/web02.qcow2", "qcow2", gold, 1)
                .stored("web01", "gold", false, external("xvda", gold, "/store/web01/layers/xvda.2.qcow2"));
        Plan p = planner().delete(f.actual(), "web01", "gold");
        assertTrue(p.hasErrors() && p.changes().isEmpty(), p.toString());
        assertTrue(p.findings().get(0).message().contains("domain web02") && p.findings().get(0).message().contains("refused"),
                p.findings().toString());
    }

    @Test
    void deletingASnapshotAStoppedCloneUsesIsRefusedNamingTheClone() {
        String frozen = "/img/base.qcow2";
        String overlay = "/store/app1/layers/xvda.1.qcow2";
        Fixtures f = new Fixtures()
                .domain("web01", RunState.RUNNING, disk("xvda", "/store/web01/layers/xvda.1.qcow2", "qcow2"))
                .image(frozen, "qcow2", null, 100).image("/store/web01/layers/xvda.1.qcow2", "qcow2", frozen, 1)
                .image(overlay, "qcow2", frozen, 1)
                .stored("web01", "gold", false, external("xvda", frozen, "/store/web01/layers/xvda.1.qcow2"));
        io.xsnap.observe.Actual a = f.actual();
        io.xsnap.observe.Actual withClone = new io.xsnap.observe.Actual(a.driver(), a.domains(), a.images(), a.snapshots(),
                a.incomplete(), a.problems(), a.appliedReverts(), java.util.List.of(new io.xsnap.observe.CloneRecord(1, "app1",
                "web01", "gold", java.time.Instant.EPOCH, java.util.List.of(new io.xsnap.observe.CloneRecord.Disk("xvda",
                overlay, frozen, "qcow2")), null, null)));
        Plan p = planner().delete(withClone, "web01", "gold");
        assertTrue(p.hasErrors(), p.toString());
        assertTrue(p.findings().get(0).message().contains("clone app1"), p.findings().toString());
        assertEquals("delete the clones first: xsnap delete-clone app1", p.findings().get(0).fix());
    }

    @Test
    void frozenFileNoLongerInAnyChainIsRemoved() {
        String l1 = "/store/web01/layers/xvda.1.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1).image(l1, "qcow2", null, 1)
                .stored("web01", "s", false, external("xvda", l1, "/store/web01/layers/xvda.9.qcow2"));
        Plan p = planner().delete(f.actual(), "web01", "s");
        assertEquals(DiskChange.Merge.NONE, onlyDisk(p).merge());
        assertTrue(deletes(p, l1));
    }

    @Test
    void memoryFileAndDirectoryAreShownAsDeleted() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, "m")
                .stored("web01", "m", true, Fixtures.internal("xvda", "/img/a.qcow2", "m"));
        Plan p = planner().delete(f.actual(), "web01", "m");
        assertTrue(deletes(p, "/store/web01/m/memory.save"));
        assertTrue(deletes(p, "/store/web01/m"));
    }

    @Test
    void userFileUnderASnapshotsFrozenLayerIsKeptAsItIs() {
        // /img/base.qcow2 (user's, frozen by s1) <- L2 (frozen by s3) <- L3 active: neither may go
        String l2 = "/store/web01/layers/xvda.2.qcow2", l3 = "/store/web01/layers/xvda.3.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l3, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l2, "qcow2", "/img/base.qcow2", 10)
                .image(l3, "qcow2", l2, 1)
                .stored("web01", "s1", false, external("xvda", "/img/base.qcow2", "/store/web01/layers/xvda.1.qcow2"))
                .stored("web01", "s3", false, external("xvda", l2, l3));
        Plan p = planner().delete(f.actual(), "web01", "s1");
        assertEquals(DiskChange.Merge.NONE, onlyDisk(p).merge());
        assertEquals(java.util.List.of(Path.of("/store/web01/s1/snapshot.json"), Path.of("/store/web01/s1")),
                p.changes().get(0).removes(), "only the snapshot's own files go");
    }

    // ---------------------------------------------------------------- invariant 10: internal snapshots stay

    @Test
    void aFrozenFileHoldingAnInternalSnapshotTakesTheLayerBackAndStays() {
        // A: internal in /img/base.qcow2; B: external, froze it. Delete B: commit, base keeps A's tag and backs nothing.
        String l1 = "/store/web01/layers/xvda.1.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l1, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100, "A").image(l1, "qcow2", "/img/base.qcow2", 1)
                .stored("web01", "A", false, internal("xvda", "/img/base.qcow2", "A"))
                .stored("web01", "B", false, external("xvda", "/img/base.qcow2", l1));
        Plan p = planner().delete(f.actual(), "web01", "B");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.COMMIT, d.merge(), "before: keep, and A could never be reverted again");
        assertFalse(deletes(p, "/img/base.qcow2"));
    }

    @Test
    void aFrozenFileOfTheStoreHoldingATagStreamsUpAndIsKept() {
        // l1 holds A's tag and was frozen by B; l2 above it is named by C as its frozen file, so l2 cannot go: stream
        String l1 = "/store/web01/layers/xvda.1.qcow2", l2 = "/store/web01/layers/xvda.2.qcow2", l3 = "/store/web01/layers/xvda.3.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l3, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", 10, "A")
                .image(l2, "qcow2", l1, 1).image(l3, "qcow2", l2, 1)
                .stored("web01", "A", false, internal("xvda", l1, "A"))
                .stored("web01", "B", false, external("xvda", l1, l2))
                .stored("web01", "C", false, external("xvda", l2, l3));
        Plan p = planner().delete(f.actual(), "web01", "B");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.STREAM, d.merge());
        assertFalse(deletes(p, l1), "l1 holds A: it leaves the chain and stays");
    }

    @Test
    void aLayerHoldingATagMadeByHandIsNeitherCommittedAwayNorStreamedInto() {
        String l1 = "/store/web01/layers/xvda.1.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l1, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", 1, "handmade")
                .stored("web01", "e1", false, external("xvda", "/img/base.qcow2", l1));
        Plan p = planner().delete(f.actual(), "web01", "e1");
        DiskChange d = onlyDisk(p);
        assertEquals(DiskChange.Merge.NONE, d.merge());
        assertFalse(deletes(p, l1));
        assertTrue(p.changes().get(0).steps().stream().anyMatch(st -> st.contains("'handmade'")), p.changes().toString());
    }

    @Test
    void aLayerThatOnlyHeldTheDeletedTagGoesWithIt() {
        String l1 = "/store/web01/layers/xvda.1.qcow2", l2 = "/store/web01/layers/xvda.2.qcow2";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", l2, "qcow2"))
                .image("/img/base.qcow2", "qcow2", null, 100).image(l1, "qcow2", "/img/base.qcow2", 1, "A")
                .image(l2, "qcow2", "/img/base.qcow2", 1)
                .stored("web01", "A", false, internal("xvda", l1, "A"));
        Plan p = planner().delete(f.actual(), "web01", "A");
        assertFalse(p.hasErrors(), p.findings().toString());
        assertTrue(p.changes().get(0).removes().contains(Path.of(l1)), p.changes().toString());
    }
}
