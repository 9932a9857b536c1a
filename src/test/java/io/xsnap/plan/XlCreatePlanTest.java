package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.desired;
import static io.xsnap.plan.Fixtures.plan;
import static io.xsnap.plan.Fixtures.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.RunState;
import io.xsnap.spec.Presence;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plan of a create on the xl driver says what real Xen 4.17 does (ci/xen-lab.sh): {@code xl save -p} suspends the
 * running PV guest itself and leaves it paused, so there is no pause step before the save; a paused guest cannot
 * acknowledge the suspend, so a memory snapshot of a paused domain is refused in the plan.
 */
class XlCreatePlanTest {

    /** web01 on xl: a qcow2 disk on qdisk (a QMP node) and a raw disk on blkback that can be copied by reflink. */
    private static Fixtures web01(RunState state) {
        return new Fixtures()
                .domain("web01", state,
                        new DiskInfo("xvda", Path.of("/img/web01.qcow2"), "qcow2", "xvda-qcow2", false),
                        new DiskInfo("xvdb", Path.of("/data/web01.raw"), "raw", null, false, true))
                .image("/img/web01.qcow2", "qcow2", null, 1000)
                .image("/data/web01.raw", "raw", null, 5000);
    }

    @Test
    void aRunningDomainIsSavedWithXlSaveAndNoPauseBeforeIt() {
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of())), web01(RunState.RUNNING).actual("xl"));
        assertEquals(List.of(), p.findings());
        List<String> steps = p.changes().get(0).steps();
        assertFalse(steps.stream().anyMatch(s -> s.startsWith("pause")), "xl save -p suspends the guest itself: " + steps);
        int save = indexOf(steps, "save memory to /store/web01/pre/memory.save with xl save -p (web01 suspends itself "
                + "at the start of the save and stays paused)");
        int copy = indexOf(steps, "copy: cp --reflink=always /data/web01.raw ");
        int cut = indexOf(steps, "cut disks in one transaction: xvda internal 'pre'");
        int resume = indexOf(steps, "resume web01");
        assertTrue(save < copy && copy < cut && cut < resume, steps.toString());
        assertEquals(Impact.DISRUPTIVE, p.changes().get(0).impact());
    }

    @Test
    void aMemorySnapshotOfAPausedDomainIsRefusedInThePlan() {
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of())), web01(RunState.PAUSED).actual("xl"));
        assertEquals(List.of(), p.changes());
        assertEquals(1, p.findings().size(), p.findings().toString());
        Finding f = p.findings().get(0);
        assertEquals(Finding.Kind.ERROR, f.kind());
        assertEquals("web01", f.domain());
        assertEquals("pre", f.snapshot());
        assertTrue(f.message().startsWith("web01 is paused: xl save needs the guest running to acknowledge its suspend"),
                f.message());
        assertEquals("unpause it first (xl unpause web01), or take a disk-only snapshot (--disk-only / memory: false)",
                f.fix());
    }

    @Test
    void aDiskOnlySnapshotOfAPausedDomainIsPlanned() {
        Plan p = plan(desired("web01", snap("d", Presence.PRESENT, false, Map.of())), web01(RunState.PAUSED).actual("xl"));
        assertEquals(List.of(), p.findings());
        assertEquals(RunState.PAUSED, ((Change.Create) p.changes().get(0)).before());
        assertFalse(p.changes().get(0).steps().stream().anyMatch(s -> s.startsWith("pause") || s.startsWith("resume")),
                p.changes().get(0).steps().toString());
    }

    @Test
    void onQemuAPausedDomainIsStillSavedAsItStands() {
        Plan p = plan(desired("web01", snap("pre", Presence.PRESENT, true, Map.of())), web01(RunState.PAUSED).actual("qemu"));
        assertEquals(List.of(), p.findings());
        assertTrue(p.changes().get(0).steps().contains("save memory to /store/web01/pre/memory.save"),
                p.changes().get(0).steps().toString());
    }

    private static int indexOf(List<String> steps, String prefix) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no step starting with '" + prefix + "' in " + steps);
    }
}
