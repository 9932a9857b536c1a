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

class RevertPlanTest {
    private static Fixtures host() {
        return new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"),
                        disk("xvdb", "/store/web01/layers/xvdb.1.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, "s")
                .image("/img/b.raw", "raw", null, 1)
                .image("/store/web01/layers/xvdb.1.qcow2", "qcow2", "/img/b.raw", 1)
                .stored("web01", "s", true, internal("xvda", "/img/a.qcow2", "s"),
                        external("xvdb", "/img/b.raw", "/store/web01/layers/xvdb.1.qcow2"));
    }

    @Test
    void revertOfARunningDomainNeedsForce() {
        Plan p = planner().revert(host().actual(), "web01", "s", null, false);
        assertTrue(p.hasErrors());
        assertTrue(p.findings().get(0).fix().contains("--force"));
        assertEquals(Finding.Code.NEEDS_FORCE, p.findings().get(0).code());
        assertTrue(p.changes().isEmpty());
    }

    @Test
    void revertRestoresInternalTagsAndPutsANewLayerOnFrozenFiles() {
        Plan p = planner().revert(host().actual(), "web01", "s", null, true);
        assertFalse(p.hasErrors(), p.findings().toString());
        Change c = p.changes().get(0);
        assertEquals(Impact.DISRUPTIVE, c.impact());
        assertEquals(RunState.RUNNING, ((Change.Revert) c).after(), "a snapshot taken running comes back running");
        assertEquals("s", c.disks().get(0).tag());
        assertEquals(Path.of("/store/web01/layers/xvdb.2.qcow2"), c.disks().get(1).layer());
        assertEquals(Path.of("/img/b.raw"), c.disks().get(1).image());
        assertTrue(((Change.Revert) c).memory());
        assertEquals(RunState.PAUSED, ((Change.Revert) planner().revert(host().actual(), "web01", "s", RunState.PAUSED, true).changes()
                .get(0)).after());
    }

    @Test
    void internalSnapshotInAFileThatBecameABackingFileIsRefused() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/store/web01/layers/xvda.1.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, "s")
                .image("/store/web01/layers/xvda.1.qcow2", "qcow2", "/img/a.qcow2", 1)
                .stored("web01", "s", false, internal("xvda", "/img/a.qcow2", "s"));
        Plan p = planner().revert(f.actual(), "web01", "s", null, true);
        assertTrue(p.hasErrors());
        assertTrue(p.findings().get(0).message().contains("now the backing file of /store/web01/layers/xvda.1.qcow2"));
    }

    @Test
    void missingMemoryFileBlocksRevert() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, "s")
                .stored("web01", "s", true, -1, internal("xvda", "/img/a.qcow2", "s"));
        Plan p = planner().revert(f.actual(), "web01", "s", null, true);
        assertTrue(p.findings().get(0).message().contains("memory file of web01/s is missing"));
    }
}
