package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DomainDriver;
import io.xsnap.host.HostException;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemu.QemuDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.spec.DiskMode;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that fails on a real guest: the guest is left running, and no partial snapshot (directory,
 * memory file or overlay) is left behind (invariant 4 and the create contract).
 */
@GuestTest
class FailuresOnGuestsTest {
    static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    GuestLab lab;
    StoreLayout layout;
    List<String> said = new ArrayList<>();

    @BeforeEach
    void lab() {
        lab = new GuestLab(tmp);
        layout = new StoreLayout(tmp.resolve("store"));
    }

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    /** The real qemu driver, except that {@code failing} throws once the real call would have started. */
    private DomainDriver failingDriver(String failing) {
        QemuDriver real = new QemuDriver(lab.qemuDir(), lab.runner());
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals(failing)) {
                throw new HostException("injected failure in " + failing);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (DomainDriver) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DomainDriver.class}, h);
    }

    private List<ChangeResult> createWith(DomainDriver driver, boolean memory) {
        Observer observer = new Observer(driver, new ImageReader()::read, new SnapshotStore(layout));
        Actual actual = observer.observe();
        Plan plan = new Planner(layout, Clock.systemUTC().instant()).create(actual, "web01", "snap", memory, false,
                Map.of("xvda", DiskMode.INTERNAL, "xvdb", DiskMode.EXTERNAL));
        assertFalse(plan.hasErrors(), plan.findings().toString());
        ApplyContext ctx = new ApplyContext(driver, new QemuImg(lab.runner()), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), said::add, Clock.systemUTC());
        return new Executor(ctx).apply(plan);
    }

    private TestGuest guest() {
        return lab.start("web01", Disk.qcow2("xvda", lab.createDisk("a.qcow2", "qcow2", 8 * MIB)),
                Disk.raw("xvdb", lab.createDisk("b.raw", "raw", 8 * MIB)));
    }

    private void assertNothingLeft() throws Exception {
        assertFalse(Files.exists(layout.snapshotDir("web01", "snap")), "no snapshot directory");
        try (Stream<Path> layers = Files.exists(layout.layersDir("web01")) ? Files.list(layout.layersDir("web01")) : Stream.empty()) {
            assertEquals(List.of(), layers.toList(), "no overlay left behind");
        }
        assertTrue(new Journal(layout.journal(), Json.mapper()).pausedAndNotResumed().isEmpty(), "the journal closed the pause");
    }

    @Test
    void failedMemorySaveLeavesTheGuestRunningAndNoPartialSnapshot() throws Exception {
        TestGuest g = guest();
        List<ChangeResult> r = createWith(failingDriver("saveMemoryAndSnapshotDisks"), true);
        assertFalse(r.get(0).ok());
        assertTrue(r.get(0).error().contains("injected failure"), r.get(0).error());
        assertTrue(said.stream().anyMatch(l -> l.contains("(the save pauses web01)")), said.toString());
        assertEquals("running", g.status(), "the guest xsnap paused was resumed");
        assertNothingLeft();
    }

    @Test
    void failedDiskTransactionLeavesNoOverlayOrDirectory() throws Exception {
        TestGuest g = guest();
        List<ChangeResult> r = createWith(failingDriver("snapshotDisks"), false);
        assertFalse(r.get(0).ok());
        assertEquals("running", g.status());
        assertNothingLeft();
    }

    @Test
    void aSnapshotTakenByHandAfterPlanningStopsTheChangeBeforeItTouchesAnything() throws Exception {
        TestGuest g = guest();
        DomainDriver real = new QemuDriver(lab.qemuDir(), lab.runner());
        Observer observer = new Observer(real, new ImageReader()::read, new SnapshotStore(layout));
        Plan plan = new Planner(layout, Clock.systemUTC().instant()).create(observer.observe(), "web01", "snap", true,
                false, Map.of("xvda", DiskMode.INTERNAL, "xvdb", DiskMode.EXTERNAL));
        // after planning, someone takes an internal snapshot of the same name by hand: QEMU's transaction refuses it
        try (var qmp = g.qmp()) {
            qmp.execute("blockdev-snapshot-internal-sync", io.xsnap.host.qmp.QmpClient.args().put("device", "xvda").put("name", "snap"));
        }
        ApplyContext ctx = new ApplyContext(real, new QemuImg(lab.runner()), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), said::add, Clock.systemUTC());
        List<ChangeResult> r = new Executor(ctx).apply(plan);
        assertFalse(r.get(0).ok());
        assertTrue(r.get(0).error().contains("host changed since the plan"), r.get(0).error());
        assertEquals("running", g.status());
        assertNothingLeft();
    }
}
