package io.xsnap.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xsnap.host.RunState;
import io.xsnap.observe.CutMode;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Impact;
import io.xsnap.plan.Plan;
import io.xsnap.plan.SnapshotRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Both views against golden files. To accept a deliberate change of output, run with
 * {@code -Dxsnap.golden.update=true} and review the diff of src/test/resources/golden.
 */
class PlanViewGoldenTest {
    static Plan samplePlan() {
        Change create = new Change.Create(new SnapshotRef("web01", "pre-upgrade"), Impact.DISRUPTIVE,
                "declared in web01.yaml:6:5, not on the host; pauses web01 while memory is saved", true, false, RunState.RUNNING,
                List.of(new DiskChange("xvda", CutMode.INTERNAL, "qcow2", Path.of("/img/web01.qcow2"), "pre-upgrade", null, null),
                        new DiskChange("xvdb", CutMode.EXTERNAL, "raw", Path.of("/img/data.raw"), null,
                                Path.of("/var/lib/xsnap/web01/layers/xvdb.1.qcow2"), null)),
                List.of("/var/lib/xsnap/web01/pre-upgrade/memory.save (guest memory, mode 0600)"),
                List.of("pause web01", "save memory to /var/lib/xsnap/web01/pre-upgrade/memory.save", "resume web01"), null,
                null);
        Change delete = new Change.Delete(new SnapshotRef("web01", "old"), "spec says state: absent (web01.yaml:12:5)", false,
                List.of(new DiskChange("xvdb", CutMode.EXTERNAL, "raw", Path.of("/img/data.raw"), null,
                        Path.of("/var/lib/xsnap/web01/layers/xvdb.1.qcow2"), DiskChange.Merge.COMMIT)),
                List.of("/var/lib/xsnap/web01/layers/xvdb.1.qcow2 (deleted)"),
                List.of(Path.of("/var/lib/xsnap/web01/layers/xvdb.1.qcow2")),
                List.of("commit /var/lib/xsnap/web01/layers/xvdb.1.qcow2 into /img/data.raw"));
        return new Plan(Plan.FORMAT_VERSION, Instant.parse("2026-11-26T12:00:00Z"), "qemu", List.of(create, delete),
                List.of(new Finding(Finding.Kind.UNMANAGED, "web01", "manual", "xvda: internal snapshot in /img/web01.qcow2 not made by xsnap; left alone", null),
                        new Finding(Finding.Kind.DRIFT, "db01", "nightly", "memory file is missing", "delete it (xsnap delete db01 nightly) and apply again")));
    }

    @Test
    void textView() throws IOException {
        assertGolden("plan.txt", render(new TextPlanView(), samplePlan()));
    }

    @Test
    void jsonView() throws IOException {
        assertGolden("plan.json", render(new JsonPlanView(), samplePlan()));
    }

    @Test
    void emptyPlanSaysSo() throws IOException {
        Plan empty = new Plan(Plan.FORMAT_VERSION, Instant.parse("2026-11-26T12:00:00Z"), "qemu", List.of(), List.of());
        assertGolden("plan-empty.txt", render(new TextPlanView(), empty));
    }

    static String render(PlanView view, Plan plan) {
        StringWriter sw = new StringWriter();
        view.render(plan, new PrintWriter(sw));
        return sw.toString();
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path file = Path.of("src/test/resources/golden", name);
        if (Boolean.getBoolean("xsnap.golden.update")) {
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "golden file " + file);
    }
}
