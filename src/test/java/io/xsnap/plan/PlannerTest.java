package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.desired;
import static io.xsnap.plan.Fixtures.disk;
import static io.xsnap.plan.Fixtures.internal;
import static io.xsnap.plan.Fixtures.plan;
import static io.xsnap.plan.Fixtures.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RunState;
import io.xsnap.observe.CutMode;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.Presence;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private static Fixtures web01() {
        return new Fixtures()
                .domain("web01", RunState.RUNNING, disk("xvda", "/img/web01.qcow2", "qcow2"), disk("xvdb", "/img/data.raw", "raw"))
                .image("/img/web01.qcow2", "qcow2", null, 1000)
                .image("/img/data.raw", "raw", null, 5000);
    }

    @Test
    void missingPresentSnapshotIsCreatedWithAutoModes() {
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of())), web01().actual());
        assertEquals(1, p.changes().size());
        Change c = p.changes().get(0);
        assertEquals(Action.CREATE, c.action());
        assertEquals(Impact.DISRUPTIVE, c.impact(), "a memory snapshot pauses the domain");
        assertEquals(CutMode.INTERNAL, c.disks().get(0).mode());
        assertEquals("pre", c.disks().get(0).tag());
        assertEquals(CutMode.EXTERNAL, c.disks().get(1).mode());
        assertEquals(Path.of("/store/web01/layers/xvdb.1.qcow2"), c.disks().get(1).layer());
        assertEquals(RunState.RUNNING, ((Change.Create) c).before());
        assertTrue(c.steps().contains("pause web01"), c.steps().toString());
        assertEquals("resume web01", c.steps().get(c.steps().size() - 2));
        assertEquals(new Plan.Summary(1, 0, 0, 0), p.summary());
        assertEquals(List.of(), p.findings(), "the tag the plan makes is not someone else's snapshot");
    }

    @Test
    void diskOnlyCreateIsSafeAndNeverPauses() {
        Plan p = plan(desired("web01", snap("d", Presence.PRESENT, false, Map.of("xvdb", DiskMode.EXCLUDE))), web01().actual());
        Change c = p.changes().get(0);
        assertEquals(Impact.SAFE, c.impact());
        assertFalse(c.steps().stream().anyMatch(s -> s.startsWith("pause")), c.steps().toString());
        assertEquals(CutMode.EXCLUDED, c.disks().get(1).mode());
    }

    @Test
    void existingSnapshotNeedsNothing() {
        Fixtures f = web01().stored("web01", "pre", true, internal("xvda", "/img/web01.qcow2", "pre"));
        f.image("/img/web01.qcow2", "qcow2", null, 1000, "pre");
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of("xvdb", DiskMode.EXCLUDE))), withoutFirstImage(f));
        assertTrue(p.changes().isEmpty());
        assertTrue(p.findings().isEmpty(), p.findings().toString());
    }

    /** The fixture added /img/web01.qcow2 twice (without and with the tag); keep the tagged one. */
    private static io.xsnap.observe.Actual withoutFirstImage(Fixtures f) {
        var a = f.actual();
        var images = new java.util.ArrayList<>(a.images());
        images.remove(0);
        return new io.xsnap.observe.Actual(a.driver(), a.domains(), images, a.snapshots(), a.incomplete(), a.problems());
    }

    @Test
    void absentSnapshotThatIsOursIsDeleted() {
        Fixtures f = web01().stored("web01", "old", false, internal("xvda", "/img/web01.qcow2", "old"));
        Plan p = plan(desired("web01", snap("old", Presence.ABSENT, true, Map.of())), f.actual());
        assertEquals(Action.DELETE, p.changes().get(0).action());
        assertEquals(Impact.DESTRUCTIVE, p.changes().get(0).impact());
    }

    @Test
    void absentSnapshotNotOursIsLeftAloneAndListed() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 10, "manual");
        Plan p = plan(desired("web01", snap("manual", Presence.ABSENT, true, Map.of())), f.actual());
        assertTrue(p.changes().isEmpty());
        assertTrue(p.findings().stream().anyMatch(x -> x.kind() == Finding.Kind.UNMANAGED && x.snapshot().equals("manual")));
    }

    @Test
    void snapshotsNotInTheSpecAreLeftAlone() {
        Fixtures f = web01().stored("web01", "other", false, internal("xvda", "/img/web01.qcow2", "other"));
        Plan p = plan(desired("web01"), f.actual());
        assertTrue(p.changes().isEmpty());
    }

    @Test
    void unknownDomainDiskAndBadModesAreErrorsNamingDomainAndDisk() {
        Plan p = plan(desired("nope", snap("s", Presence.PRESENT, true, Map.of())), web01().actual());
        assertTrue(p.hasErrors());
        assertTrue(p.findings().get(0).message().contains("domain nope (spec.yaml:1:1) does not exist"));

        p = plan(desired("web01", snap("s", Presence.PRESENT, true, Map.of("xvdz", DiskMode.AUTO))), web01().actual());
        assertTrue(p.findings().get(0).message().contains("web01 has no disk xvdz (it has xvda, xvdb)"), p.findings().toString());
        assertTrue(p.changes().isEmpty());

        p = plan(desired("web01", snap("s", Presence.PRESENT, true, Map.of("xvdb", DiskMode.INTERNAL))), web01().actual());
        assertTrue(p.findings().get(0).message().startsWith("web01 disk xvdb (/img/data.raw) is raw"), p.findings().toString());
    }

    @Test
    void internalNameCollisionWithForeignSnapshotIsAnError() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 10, "pre");
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, false, Map.of())), f.actual());
        assertTrue(p.hasErrors());
        assertTrue(p.findings().stream().anyMatch(x -> x.message().contains("already holds an internal snapshot named 'pre'")));
    }

    @Test
    void eachChangeIsPlannedAgainstWhatTheChangesBeforeItLeave() {
        Fixtures f = web01().image("/store/web01/layers/xvdb.1.qcow2", "qcow2", null, 0);
        Plan p = plan(desired("web01", snap("a", Presence.PRESENT, false, Map.of("xvda", DiskMode.EXCLUDE)),
                snap("b", Presence.PRESENT, false, Map.of("xvda", DiskMode.EXCLUDE, "xvdb", DiskMode.EXTERNAL)),
                snap("c", Presence.PRESENT, false, Map.of("xvda", DiskMode.EXCLUDE))), f.actual());
        assertFalse(p.hasErrors(), p.findings().toString());
        DiskChange a = p.changes().get(0).disks().get(1);
        DiskChange b = p.changes().get(1).disks().get(1);
        DiskChange c = p.changes().get(2).disks().get(1);
        assertEquals(Path.of("/store/web01/layers/xvdb.2.qcow2"), a.layer(), "layer numbers skip existing files");
        assertEquals(Path.of("/img/data.raw"), a.image());
        assertEquals(Path.of("/store/web01/layers/xvdb.2.qcow2"), b.image(), "b freezes the layer a made active");
        assertEquals(Path.of("/store/web01/layers/xvdb.3.qcow2"), b.layer());
        assertEquals(CutMode.INTERNAL, c.mode(), "auto: the active layer is qcow2 by now");
        assertEquals(Path.of("/store/web01/layers/xvdb.3.qcow2"), c.image());
    }

    @Test
    void driftIsReportedWithAFix() {
        Fixtures f = web01().stored("web01", "pre", true, 100, internal("xvda", "/img/web01.qcow2", "pre"));
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of())), f.actual());
        List<Finding> drift = p.findings().stream().filter(x -> x.kind() == Finding.Kind.DRIFT).toList();
        assertEquals(2, drift.size(), drift.toString());
        assertTrue(drift.get(0).message().contains("memory file is 100 bytes, the manifest says 4096"));
        assertTrue(drift.get(1).message().contains("internal snapshot 'pre' is gone"));
        assertTrue(drift.get(0).fix().contains("xsnap delete web01 pre"));
    }

    @Test
    void aStoppedDomainCannotBeSnapshotted() {
        Fixtures f = new Fixtures().domain("web01", RunState.CRASHED, disk("xvda", "/img/a.qcow2", "qcow2"));
        Plan p = plan(desired("web01", snap("s", Presence.PRESENT, false, Map.of())), f.actual());
        assertTrue(p.findings().get(0).message().contains("web01 is crashed"));
    }

    @Test
    void changesAreOrderedByDomainThenCreateBeforeDelete() {
        Fixtures f = web01().domain("app", RunState.PAUSED, disk("hda", "/img/app.qcow2", "qcow2"))
                .image("/img/app.qcow2", "qcow2", null, 1)
                .stored("web01", "old", false, internal("xvda", "/img/web01.qcow2", "old"));
        var d = new io.xsnap.spec.Desired(List.of(
                desired("web01", snap("old", Presence.ABSENT, false, Map.of()), snap("new", Presence.PRESENT, false, Map.of())).domains().get(0),
                desired("app", snap("x", Presence.PRESENT, true, Map.of())).domains().get(0)));
        Plan p = plan(d, f.actual());
        assertEquals(List.of("app/x", "web01/new", "web01/old"), p.changes().stream().map(Change::address).toList());
        assertEquals(RunState.PAUSED, ((Change.Create) p.changes().get(0)).before());
        assertFalse(p.changes().get(0).steps().contains("pause app"), "a paused domain is not paused again");
    }
}
