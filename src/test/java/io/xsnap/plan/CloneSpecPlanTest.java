package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.disk;
import static io.xsnap.plan.Fixtures.external;
import static io.xsnap.plan.Fixtures.plan;
import static io.xsnap.plan.Fixtures.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RunState;
import io.xsnap.observe.CutMode;
import io.xsnap.spec.CloneSpec;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import io.xsnap.spec.SourceRef;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kind: DomainClone in the declarative plan: made, kept, deleted, and ordered against the snapshots it needs. */
class CloneSpecPlanTest {
    private static final String BASE = "/img/web01.qcow2";
    private static final String ACTIVE = "/store/web01/layers/xvda.1.qcow2";
    private static final SourceRef AT = new SourceRef("clones.yaml", 1, 1);

    /** web01 runs on ACTIVE over BASE; gold froze BASE. */
    private static Fixtures withGold() {
        return new Fixtures()
                .domain("web01", RunState.RUNNING, disk("xvda", ACTIVE, "qcow2"))
                .image(BASE, "qcow2", null, 100).image(ACTIVE, "qcow2", BASE, 1)
                .stored("web01", "gold", true, external("xvda", BASE, ACTIVE));
    }

    private static CloneSpec clone(String name, String from, Presence state, String start) {
        String[] f = from.split("/");
        return new CloneSpec(name, f[0], f[1], state, start, AT);
    }

    private static DomainSpec snapshots(String domain, SnapshotSpec... snaps) {
        return new DomainSpec(domain, List.of(snaps), new SourceRef("snaps.yaml", 1, 1));
    }

    private static List<String> actions(Plan p) {
        return p.changes().stream().map(c -> c.action().word() + " " + c.domain() + "/" + c.snapshot()).toList();
    }

    @Test
    void aMissingCloneIsMadeOnItsOwnOverlayOverTheFrozenFile() {
        Plan p = plan(new Desired(List.of(), List.of(clone("app1", "web01/gold", Presence.PRESENT, "running"))),
                withGold().actual());
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of("clone app1/gold"), actions(p));
        Change c = p.changes().get(0);
        assertEquals(new SnapshotRef("web01", "gold"), ((Change.Clone) c).source());
        assertEquals("declared in clones.yaml:1:1, not on the host", c.reason());
        assertEquals(Path.of(BASE), c.disks().get(0).image());
        assertEquals(Path.of("/store/app1/layers/xvda.1.qcow2"), c.disks().get(0).layer());
        assertTrue(((Change.Clone) c).memory(), "started from the snapshot's memory");
    }

    @Test
    void anExistingCloneOfTheSameSnapshotNeedsNothingAnotherSourceIsAnError() {
        Fixtures f = withGold().clone("app1", "web01/gold", "xvda", BASE);
        assertEquals(List.of(), plan(new Desired(List.of(), List.of(clone("app1", "web01/gold", Presence.PRESENT, "shutoff"))),
                f.actual()).changes());
        Plan other = plan(new Desired(List.of(), List.of(clone("app1", "web01/silver", Presence.PRESENT, "shutoff"))),
                f.actual());
        assertEquals(List.of(), other.changes());
        assertTrue(other.findings().get(0).message().contains("app1 is a clone of web01/gold"), other.findings().toString());
        Plan absent = plan(new Desired(List.of(), List.of(clone("app1", "web01/silver", Presence.ABSENT, "shutoff"))),
                f.actual());
        assertEquals(List.of(), absent.changes(), "nothing is deleted on a spec that names another source");
        assertTrue(absent.hasErrors());
    }

    @Test
    void aCloneOfASnapshotTheSamePlanCreatesComesAfterTheCreate() {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", BASE, "qcow2")).image(BASE, "qcow2", null, 100);
        Desired d = new Desired(List.of(snapshots("web01", snap("gold", Presence.PRESENT, false, Map.of("xvda", DiskMode.INTERNAL)))),
                List.of(clone("app1", "web01/gold", Presence.PRESENT, "shutoff")));
        Plan p = plan(d, f.actual());
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of("create web01/gold", "clone app1/gold"), actions(p));
        DiskChange disk = p.changes().get(1).disks().get(0);
        assertEquals(CutMode.INTERNAL, disk.mode());
        assertEquals("gold", disk.tag());
        assertTrue(p.changes().get(1).steps().stream().anyMatch(s -> s.contains("convert -U -l snapshot.name=gold")),
                p.changes().get(1).steps().toString());
        assertTrue(p.changes().get(1).reason().endsWith("web01/gold is created first"), p.changes().get(1).reason());
    }

    @Test
    void theSnapshotsOfAStartedCloneArePlannedOnItsOverlayInTheSamePlan() {
        Desired d = new Desired(List.of(snapshots("app1", snap("first", Presence.PRESENT, false, Map.of("xvda", DiskMode.EXTERNAL)))),
                List.of(clone("app1", "web01/gold", Presence.PRESENT, "running")));
        Plan p = plan(d, withGold().actual());
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of("clone app1/gold", "create app1/first"), actions(p));
        DiskChange cut = p.changes().get(1).disks().get(0);
        assertEquals(Path.of("/store/app1/layers/xvda.1.qcow2"), cut.image(), "the clone's overlay is frozen");
        assertEquals(Path.of("/store/app1/layers/xvda.2.qcow2"), cut.layer(), "the next layer, not the overlay's name");
    }

    @Test
    void theSnapshotsOfACloneThatIsNotStartedAreAnErrorThatSaysHowToStartIt() {
        Desired d = new Desired(List.of(snapshots("app1", snap("first", Presence.PRESENT, false, Map.of()))),
                List.of(clone("app1", "web01/gold", Presence.PRESENT, "shutoff")));
        Plan p = plan(d, withGold().actual());
        assertTrue(p.hasErrors());
        assertTrue(p.findings().get(0).fix().contains("start: running"), p.findings().toString());
    }

    @Test
    void anAbsentCloneGoesBeforeTheSnapshotItWasMadeFromSoBothGoInOnePlan() {
        Fixtures f = withGold().clone("app1", "web01/gold", "xvda", BASE)
                .image("/store/app1/layers/xvda.1.qcow2", "qcow2", BASE, 1);
        Desired onlySnapshot = new Desired(List.of(snapshots("web01", snap("gold", Presence.ABSENT, true, Map.of()))), List.of());
        Plan refused = plan(onlySnapshot, f.actual());
        assertTrue(refused.hasErrors(), "deleting gold while app1 builds on it is refused");
        Desired both = new Desired(onlySnapshot.domains(), List.of(clone("app1", "web01/gold", Presence.ABSENT, "shutoff")));
        Plan p = plan(both, f.actual());
        assertFalse(p.hasErrors(), p.findings().toString());
        assertEquals(List.of("delete-clone app1/gold", "delete web01/gold"), actions(p));
        assertTrue(p.changes().get(0).removes().contains(Path.of("/store/app1/layers/xvda.1.qcow2")));
        assertEquals("spec says state: absent (clones.yaml:1:1)", p.changes().get(0).reason());
    }

    @Test
    void aCloneOfASnapshotTheSamePlanDeletesIsAnError() {
        Desired d = new Desired(List.of(snapshots("web01", snap("gold", Presence.ABSENT, true, Map.of()))),
                List.of(clone("app1", "web01/gold", Presence.PRESENT, "shutoff")));
        Plan p = plan(d, withGold().actual());
        assertTrue(p.hasErrors());
        assertTrue(p.findings().stream().anyMatch(x -> x.message().contains("this plan deletes web01/gold")), p.findings().toString());
    }

    @Test
    void aCloneOfASnapshotThatExistsNowhereIsAnError() {
        Plan p = plan(new Desired(List.of(), List.of(clone("app1", "web01/nope", Presence.PRESENT, "shutoff"))),
                withGold().actual());
        assertEquals(List.of(), p.changes());
        assertTrue(p.findings().get(0).message().contains("web01/nope does not exist"), p.findings().toString());
    }
}
