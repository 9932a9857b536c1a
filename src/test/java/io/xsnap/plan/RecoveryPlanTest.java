package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.disk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change.Outcome;
import io.xsnap.spec.DiskMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recovery planning from journal records and the host, with plain values. */
class RecoveryPlanTest {
    private static final RestartRecipe RECIPE = new RestartRecipe(List.of("qemu-system-x86_64"), null);

    private static Fixtures host() {
        return new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"),
                disk("xvdb", "/img/b.raw", "raw")).image("/img/a.qcow2", "qcow2", null, 1000).image("/img/b.raw", "raw", null, 1000);
    }

    /** The create change the planner makes for web01/s1 on this host. */
    private static Change create(boolean memory) {
        Plan p = Fixtures.planner().create(host().actual(), "web01", "s1", memory, false, Map.of("xvda", DiskMode.INTERNAL));
        return p.changes().get(0);
    }

    private static Change.Recover recover(Actual actual, Interrupted i) {
        Plan p = Fixtures.planner().recover(actual, List.of(i));
        assertEquals(1, p.changes().size(), p.toString());
        Change c = p.changes().get(0);
        assertEquals(Action.RECOVER, c.action());
        return (Change.Recover) c;
    }

    @Test
    void aCreateWhoseSaveAndCutEndedIsFinished() {
        Interrupted i = new Interrupted("web01/s1", "web01", create(true), List.of("mkdir", "overlay xvdb", "pause", "save",
                "cut-done"), RECIPE, null, 4096, true);
        Change.Recover c = recover(host().actual(), i);
        assertEquals(new Change.Recovers(Action.CREATE, Outcome.FINISH), c.recovers());
        assertTrue(c.steps().get(0).startsWith("write manifest /store/web01/s1/snapshot.json"), c.steps().toString());
        assertEquals(List.of(), c.removes());
    }

    @Test
    void aCreateKilledBeforeItsCutEndedIsUndoneAndRemovesOnlyWhatItMade() {
        Interrupted i = new Interrupted("web01/s1", "web01", create(true), List.of("mkdir", "overlay xvdb", "pause", "save"),
                RECIPE, null, -1, false);
        Change.Recover c = recover(host().actual(), i);
        assertEquals(new Change.Recovers(Action.CREATE, Outcome.UNDO), c.recovers());
        assertEquals(List.of(Path.of("/store/web01/layers/xvdb.1.qcow2"), Path.of("/store/web01/s1/memory.save"),
                Path.of("/store/web01/s1/.snapshot.json.tmp"), Path.of("/store/web01/s1")), c.removes());
        assertEquals(Impact.DESTRUCTIVE, c.impact());
    }

    @Test
    void aDiskOnlyCutThatShowsOnTheHostIsFinishedEvenWithoutItsLastEntry() {
        Actual cut = host().image("/img/a.qcow2", "qcow2", null, 1000, "s1").actual();
        Interrupted i = new Interrupted("web01/s1", "web01", create(false), List.of("mkdir", "overlay xvdb", "cut"), RECIPE,
                null, -1, false);
        assertEquals(Outcome.FINISH, recover(cut, i).recovers().outcome());
    }

    @Test
    void aChangeOfWhichNothingRanIsOnlyClosed() {
        Interrupted i = new Interrupted("web01/s1", "web01", create(true), List.of(), RECIPE, null, -1, false);
        Change.Recover c = recover(host().actual(), i);
        assertEquals(Outcome.CLOSE, c.recovers().outcome());
        assertEquals(Impact.SAFE, c.impact());
    }

    @Test
    void aRevertKilledBeforeItsStopTookEffectIsClosedAndAfterItFinished() {
        Fixtures f = host().stored("web01", "s1", false, Fixtures.internal("xvda", "/img/a.qcow2", "s1"))
                .image("/img/a.qcow2", "qcow2", null, 1000, "s1");
        Change revert = Fixtures.planner().revert(f.actual(), "web01", "s1", null, true).changes().get(0);
        Interrupted i = new Interrupted("web01/s1", "web01", revert, List.of("stop"), null, null, -1, false);
        assertEquals(Outcome.CLOSE, recover(f.actual(), i).recovers().outcome(), "web01 still runs");

        // stopped by the revert: the driver's record of web01 vouches for its image outside the store
        Fixtures gone = new Fixtures().stored("web01", "s1", false, Fixtures.internal("xvda", "/img/a.qcow2", "s1"))
                .image("/img/a.qcow2", "qcow2", null, 1000, "s1").anchored("web01", "/img/a.qcow2");
        Change.Recover c = recover(gone.actual(), i);
        assertEquals(new Change.Recovers(Action.REVERT, Outcome.FINISH), c.recovers());
        assertTrue(c.steps().stream().anyMatch(s -> s.startsWith("cold-start web01")), c.steps().toString());

        // without a record (web01 stopped outside xsnap) nothing vouches for /img/a.qcow2: recovery refuses
        Fixtures unvouched = new Fixtures().stored("web01", "s1", false, Fixtures.internal("xvda", "/img/a.qcow2", "s1"))
                .image("/img/a.qcow2", "qcow2", null, 1000, "s1");
        Plan refused = Fixtures.planner().recover(unvouched.actual(), List.of(i));
        assertTrue(refused.changes().isEmpty() && refused.findings().get(0).message().contains(
                "disks.image \"/img/a.qcow2\" lies outside the store /store, and xsnap did not see web01 stop"),
                refused.toString());
    }

    @Test
    void recoveryPlansMatchThePlanSchema() throws java.io.IOException {
        Interrupted undo = new Interrupted("web01/s1", "web01", create(true), List.of("mkdir", "save"), RECIPE, null, -1, false);
        Interrupted pause = new Interrupted("web01/x", "web01", null, List.of("pause"), null, null, -1, true);
        Plan p = Fixtures.planner().recover(host().actual(), List.of(undo, pause));
        java.io.StringWriter out = new java.io.StringWriter();
        new io.xsnap.render.JsonPlanView().render(p, new java.io.PrintWriter(out));
        tools.jackson.databind.JsonNode schemaTree = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(java.nio.file.Files.readString(Path.of("schemas/plan-v1.schema.json")));
        com.networknt.schema.Schema schema = com.networknt.schema.SchemaRegistry.withDefaultDialect(
                com.networknt.schema.SpecificationVersion.DRAFT_2020_12).getSchema(schemaTree);
        assertEquals(List.of(), schema.validate(out.toString(), com.networknt.schema.InputFormat.JSON), out.toString());
        assertTrue(out.toString().contains("\"outcome\" : \"undo\""), out.toString());
    }

    @Test
    void anIncompleteDirectoryWithoutARecordIsRemoved() {
        Actual a = host().actual();
        Actual withHalf = new Actual(a.driver(), a.domains(), a.images(), a.snapshots(), List.of("web01/half"), List.of());
        Plan p = Fixtures.planner().recover(withHalf, List.of());
        assertEquals(List.of(Path.of("/store/web01/half/memory.save"), Path.of("/store/web01/half/.snapshot.json.tmp"),
                Path.of("/store/web01/half")), p.changes().get(0).removes());
        assertEquals(1, p.summary().recover());
    }
}
