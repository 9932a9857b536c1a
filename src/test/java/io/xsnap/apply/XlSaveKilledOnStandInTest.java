package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.xl.Reflink;
import io.xsnap.host.xl.Xl;
import io.xsnap.host.xl.XlDriver;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnXenLab;
import io.xsnap.testing.XenGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * xsnap killed while {@code xl save -p} writes a domain's memory (on the stand-in, whose save is slowed down): xl
 * outlives xsnap and pauses the domain when it ends, so recovery waits for that save before it unpauses, and the
 * domain ends running, as the create planned. Also the bound of a save's size the free-space check uses.
 *
 * <p>A limit of the stand-in: it holds the device model's monitor for its whole save (libxl does not), so recovery's
 * own QMP calls wait for the save as well, and this test also passes with {@code settleMigration} doing nothing; it
 * pins the outcome, not the mechanism. {@code Xl.savesRunning} finding the save is checked here.
 */
class XlSaveKilledOnStandInTest extends OnXenLab {
    @Test
    void recoveryLetsAnXlSaveLeftRunningEndThenUnpauses() throws IOException {
        Path disk = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x11, 0, K64);
        XsnapProcess xsnap = lab.process(store, Map.of("XL_STANDIN_SAVE_WAIT", "8"));
        XsnapProcess.Started create = xsnap.start(null, "create", "web01", "--name", "m1", "--xl-config", cfg.toString());
        Xl xl = new Xl(lab.images().runner(), lab.xl().toString());
        long deadline = System.nanoTime() + 120_000_000_000L;
        Path memory = store.resolve("web01/m1/memory.save");
        // inside the save: xl has written its header (and said so on stderr) and suspended the domain
        while ((xl.savesRunning(g.domid()).isEmpty() || !Files.exists(memory) || Files.size(memory) == 0)
                && create.isAlive() && System.nanoTime() < deadline) {
            sleep(20);
        }
        sleep(500);
        assertFalse(xl.savesRunning(g.domid()).isEmpty(), "xl save ran");
        create.kill();
        assertFalse(xl.savesRunning(g.domid()).isEmpty(), "xsnap was killed inside xl save, which runs on");

        Cli.Run recover = lab.xsnap(store, "recover");
        ok(recover);
        assertTrue(xl.savesRunning(g.domid()).isEmpty(), "the save ended before recovery unpaused the domain\n"
                + recover);
        assertEquals("running", lab.guest("web01").status(), "running, as the create planned\n" + recover);
        assertTrue(lab.xsnap(store, "recover").out().contains("Nothing to recover"));
        ok(lab.xsnap(store, "create", "web01", "--name", "m2", "--xl-config", cfg.toString()));
        assertEquals("running", lab.guest("web01").status());
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
    }

    /**
     * The lab's finding: xsnap killed while its revert's {@code xl restore} runs. xl goes on restoring, and the domain
     * it restores is in {@code xl list} but not yet in {@code xl list -l}; a recovery that does not wait for that
     * restore takes the domain for stopped, rewrites its disks and starts it a second time ("already exists").
     */
    @Test
    void recoveryLetsAnXlRestoreLeftRunningEndAndTheDomainRuns() throws IOException {
        Path disk = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x11, 0, K64);
        ok(lab.xsnap(store, "create", "web01", "--name", "m1", "--xl-config", cfg.toString()));
        lab.guest("web01").write("xvda", 0x22, 0, K64);
        XsnapProcess xsnap = lab.process(store, Map.of("XL_STANDIN_RESTORE_WAIT", "6"));
        XsnapProcess.Started revert = xsnap.start(null, "revert", "--force", "web01", "m1");
        Xl xl = new Xl(lab.images().runner(), lab.xl().toString());
        Path start = store.resolve("web01/xl-restore.cfg");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (xl.startsRunning(start).isEmpty() && revert.isAlive() && System.nanoTime() < deadline) {
            sleep(20);
        }
        sleep(500);
        revert.kill();
        assertFalse(xl.startsRunning(start).isEmpty(), "xsnap was killed inside xl restore, which runs on");

        Cli.Run recover = lab.xsnap(store, "recover");
        ok(recover);
        assertTrue(xl.startsRunning(start).isEmpty(), "recovery waited for the restore\n" + recover);
        assertEquals("running", lab.guest("web01").status(), "running, as the revert planned\n" + recover);
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        assertTrue(lab.xsnap(store, "recover").out().contains("Nothing to recover"));
    }

    @Test
    void theBoundOfAnXlSaveHoldsTheFileItWrites() throws IOException {
        Path disk = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        lab.create(cfg);
        XlDriver driver = new XlDriver(new Xl(lab.images().runner(), lab.xl().toString()),
                new Reflink(lab.images().runner()), lab.runDir(), store, Map.of());
        DomainInfo web01 = driver.list().get(0);
        long bound = driver.memorySaveBound(web01);
        long ram = 64L << 20;
        assertTrue(bound > ram && bound < ram + ram / 64 + (8L << 20), "RAM and a little more: " + bound);
        ok(lab.xsnap(store, "create", "web01", "--name", "m1", "--xl-config", cfg.toString()));
        long size = Files.size(store.resolve("web01/m1/memory.save"));
        assertTrue(size <= bound, "the save file (" + size + " bytes) fits the bound " + bound);
        assertEquals(List.of(), driver.list().stream().filter(d -> !d.name().equals("web01")).toList());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
