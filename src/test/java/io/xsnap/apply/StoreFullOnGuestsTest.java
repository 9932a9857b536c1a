package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemu.QemuDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.spec.DiskMode;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.RamGuest;
import io.xsnap.testing.Tmpfs;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The store fills up at every phase of a memory snapshot and of a revert, on a real guest with 64 MiB of random
 * RAM and a store on a small tmpfs: a clear error, the guest running, nothing lost (the snapshot taken before
 * still reverts to its exact RAM and disk bytes), nothing stray (no internal tag, overlay, directory, open
 * journal record), {@code recover} finds nothing, and the next create works. docs/reliability.md lists the phases.
 */
@GuestTest
class StoreFullOnGuestsTest {
    static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    GuestLab lab;
    Tmpfs fs;
    Path store;
    Cli cli;
    StoreLayout layout;
    List<String> said = new ArrayList<>();

    @BeforeEach
    void lab() {
        lab = new GuestLab(tmp);
        fs = Tmpfs.mount(tmp.resolve("fs"), 200 * MIB);
        store = fs.dir().resolve("store");
        cli = new Cli(store, lab.qemuDir());
        layout = new StoreLayout(store);
    }

    @AfterEach
    void cleanUp() {
        lab.close();
        fs.close();
    }

    enum Phase { BEFORE_THE_CUT, DURING_THE_SAVE, RIGHT_AFTER_THE_CUT, IN_ITS_LAST_KILOBYTES }

    @ParameterizedTest(name = "store full {0}")
    @EnumSource(Phase.class)
    void storeFullDuringAMemorySnapshot(Phase phase) throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 1);
        g.write(0x11);
        ok(cli.host("create", "web01", "--name", "s0", "--disk", "xvda=internal", "--disk", "xvdb=external"));
        long s0 = Files.size(layout.memory("web01", "s0"));
        g.write(0x22);
        Before before = before(g);
        ChangeResult r;
        if (phase == Phase.BEFORE_THE_CUT) {
            fs.fill(8 * MIB);
            r = createWith(new QemuDriver(lab.qemuDir(), lab.runner()));
            assertTrue(r.error().contains("not enough free space"), r.error());
        } else {
            long leave = switch (phase) {
                case DURING_THE_SAVE -> 16 * MIB;
                case IN_ITS_LAST_KILOBYTES -> s0 - 16 * 1024;
                default -> s0 + 4 * MIB;
            };
            r = createWith(fillingDriver(g, leave, phase == Phase.RIGHT_AFTER_THE_CUT));
            // a stream's size varies by some KiB from save to save: when the last kilobytes still fitted, stage
            // it again with the size of the save that just fitted
            for (int again = 0; r.ok() && phase == Phase.IN_ITS_LAST_KILOBYTES && again < 3; again++) {
                long fitted = Files.size(layout.memory("web01", "s1"));
                fs.unfill();
                ok(cli.host("delete", "web01", "s1"));
                before = before(g);
                r = createWith(fillingDriver(g, fitted - 16 * 1024, false));
            }
            org.junit.jupiter.api.Assumptions.assumeFalse(r.ok(), "the store never filled in the save's last kilobytes");
            assertTrue(r.error().contains("web01/s1"), "the error names the snapshot: " + r.error() + "\n"
                    + String.join("\n", said));
        }
        assertFalse(r.ok());
        assertClean(g, before);
        fs.unfill();
        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertTrue(recover.out().contains("Nothing to recover"), recover.toString());
        assertTrue(g.holds(0x22), "the failed create lost nothing of the running guest");
        ok(cli.host("create", "web01", "--name", "s1", "--disk", "xvda=internal", "--disk", "xvdb=external"));
        g.write(0x33);
        ok(cli.host("revert", "--force", "web01", "s0"));
        assertEquals("running", g.guest().status());
        assertTrue(g.holds(0x11), "s0 reverts to its exact RAM and disk bytes");
        ok(cli.host("revert", "--force", "web01", "s1"));
        assertTrue(g.holds(0x22), "s1, taken after the failure, reverts to its exact bytes");
    }

    @Test
    void storeFullDuringARevertRefusesBeforeTheGuestIsStopped() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 2);
        g.write(0x11);
        ok(cli.host("create", "web01", "--name", "s0", "--disk", "xvda=internal", "--disk", "xvdb=external"));
        g.write(0x22);
        long pid = g.guest().pid();
        fs.fill(64 * 1024);
        Cli.Run revert = cli.host("revert", "--force", "web01", "s0");
        assertEquals(1, revert.code(), revert.toString());
        assertTrue(revert.err().contains("not enough free space"), revert.toString());
        assertEquals(pid, g.guest().pid(), "the guest was never stopped");
        assertEquals("running", g.guest().status());
        assertTrue(g.holds(0x22));
        fs.unfill();
        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertTrue(recover.out().contains("Nothing to recover"), recover.toString());
        ok(cli.host("revert", "--force", "web01", "s0"));
        assertTrue(g.holds(0x11));
    }

    /** What the guest and store look like before the failing create. */
    record Before(List<String> tags, String xvdbTop, List<Path> layers) {
    }

    private Before before(RamGuest g) throws IOException {
        return new Before(tags(g), top(g, "xvdb"), layers());
    }

    private void assertClean(RamGuest g, Before before) throws IOException {
        assertEquals("running", g.guest().status(), "the guest runs");
        assertEquals(before.tags(), tags(g), "no internal snapshot left behind");
        assertEquals(before.xvdbTop(), top(g, "xvdb"), "xvdb writes the file it wrote before");
        assertEquals(before.layers(), layers(), "no overlay left behind");
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")), "no snapshot directory left behind");
        Journal journal = new Journal(layout.journal(), Json.mapper());
        assertEquals(List.of(), journal.interrupted(), "nothing open in the journal: " + said);
        assertEquals(List.of(), journal.pausedAndNotResumed());
    }

    private List<String> tags(RamGuest g) {
        try (QmpClient qmp = g.guest().qmp()) {
            for (JsonNode d : qmp.execute("query-block")) {
                if (d.path("device").asString("").equals("xvda")) {
                    List<String> names = new ArrayList<>();
                    d.path("inserted").path("image").path("snapshots").forEach(s -> names.add(s.path("name").asString()));
                    return names;
                }
            }
        }
        throw new AssertionError("no xvda");
    }

    private static String top(RamGuest g, String vdev) {
        try (QmpClient qmp = g.guest().qmp()) {
            for (JsonNode d : qmp.execute("query-block")) {
                if (d.path("device").asString("").equals(vdev)) {
                    return d.path("inserted").path("file").asString();
                }
            }
        }
        throw new AssertionError("no " + vdev);
    }

    private List<Path> layers() throws IOException {
        if (!Files.exists(layout.layersDir("web01"))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(layout.layersDir("web01"))) {
            return new ArrayList<>(new TreeSet<>(s.toList()));
        }
    }

    /**
     * The real qemu driver; its memory save first leaves {@code leave} bytes free on the store, and with
     * {@code atTheCut} fills the store completely the moment QEMU opens the new overlay (the disk cut).
     */
    private DomainDriver fillingDriver(RamGuest g, long leave, boolean atTheCut) {
        QemuDriver real = new QemuDriver(lab.qemuDir(), lab.runner());
        InvocationHandler h = (proxy, method, args) -> {
            Thread watcher = null;
            if (method.getName().equals("saveMemoryAndSnapshotDisks")) {
                fs.fill(leave);
                if (atTheCut) {
                    @SuppressWarnings("unchecked")
                    Path overlay = ((List<DiskCut>) args[3]).stream().filter(c -> !c.internal()).findFirst()
                            .orElseThrow().overlay();
                    long pid = g.guest().pid();
                    watcher = new Thread(() -> {
                        long deadline = System.nanoTime() + 30_000_000_000L;
                        while (System.nanoTime() < deadline && !opens(pid, overlay)) {
                            Thread.onSpinWait();
                        }
                        fs.fill(0);
                    });
                    watcher.start();
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (watcher != null) {
                    watcher.join();
                }
            }
        };
        return (DomainDriver) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DomainDriver.class}, h);
    }

    private static boolean opens(long pid, Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    private ChangeResult createWith(DomainDriver driver) {
        Observer observer = new Observer(driver, new ImageReader()::read, new SnapshotStore(layout));
        Plan plan = new Planner(layout, Clock.systemUTC().instant()).create(observer.observe(), "web01", "s1", true, false,
                Map.of("xvda", DiskMode.INTERNAL, "xvdb", DiskMode.EXTERNAL));
        assertFalse(plan.hasErrors(), plan.findings().toString());
        ApplyContext ctx = new ApplyContext(driver, new QemuImg(lab.runner()), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), said::add, Clock.systemUTC());
        List<ChangeResult> r = new Executor(ctx).apply(plan);
        assertEquals(1, r.size());
        return r.get(0);
    }

    private static void ok(Cli.Run r) {
        assertEquals(0, r.code(), r.toString());
    }
}
