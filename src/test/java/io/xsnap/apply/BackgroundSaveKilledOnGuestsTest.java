package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xsnap.host.qmp.QmpClient;
import io.xsnap.observe.Json;
import io.xsnap.testing.BusyGuest;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.XsnapProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * xsnap killed with SIGKILL while QEMU saves a busy guest's memory in the background (the guest runs, QEMU
 * goes on writing the file): the next run lets the save complete (QEMU 7.2 leaves the guest hung after a
 * cancelled one), the guest runs on, the half snapshot is undone (its memory file and directory, the
 * internal snapshot the cut made), and the snapshot can be taken again.
 */
class BackgroundSaveKilledOnGuestsTest extends OnGuests {

    @Test
    void killedDuringTheBackgroundSaveTheNextRunLetsItEndThenUndoesTheHalfSnapshot() throws Exception {
        assumeTrue(BusyGuest.toolsPresent(), "as and ld (binutils) assemble the busy guest");
        Path monitor = lab.qemuDir().resolve("web01.mon");
        Path disk = BusyGuest.disk(lab, "root.qcow2", 64L << 20);
        lab.start("web01", List.of(Disk.qcow2("xvda", disk)), List.of("-qmp", "unix:" + monitor + ",server=on,wait=off"));
        try (QmpClient watch = QmpClient.connect(monitor, Duration.ofSeconds(10))) {
            XsnapProcess.Started run = xsnap.start(null, "create", "web01", "--name", "s1", "--live");
            awaitMigration(watch, "active", run);
            // a slow disk: the save would run for seconds
            watch.execute("migrate-set-parameters", QmpClient.args().put("max-bandwidth", 4L << 20));
            run.kill();
            assertEquals("active", migration(watch), "QEMU writes on after xsnap died");
            assertEquals("running", watch.execute("query-status").path("status").asString(""));

            Cli.Run again = cli.host("create", "web01", "--name", "s2", "--live");
            assertEquals(0, again.code(), again.toString());
            assertTrue(again.err().contains("waited for the background memory save left active to complete"), again.toString());
            assertEquals("completed", migration(watch), "the last save is the new one, completed");
            assertEquals("running", watch.execute("query-status").path("status").asString(""));
            long counter = counter(watch);
            Thread.sleep(200);
            assertTrue(counter(watch) > counter, "the guest really runs: its counter moves");
        }
        assertFalse(Files.exists(store.resolve("web01/s1")), "the half snapshot is undone");
        assertTrue(Files.exists(store.resolve("web01/s2/snapshot.json")));
        Journal journal = new Journal(store.resolve(".journal"), Json.mapper());
        assertEquals(List.of(), journal.interrupted());
        assertEquals(List.of(), journal.pausedAndNotResumed());
        String info = new String(lab.runner().run(io.xsnap.host.exec.Command.of("qemu-img", "snapshot", "-l", "-U",
                disk.toString())).stdout(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(info.contains("s2") && !info.contains("s1"), info);
    }

    private static long counter(QmpClient qmp) {
        String out = qmp.execute("human-monitor-command", QmpClient.args().put("command-line",
                "xp /1wx " + BusyGuest.COUNTER)).asString("");
        return Long.decode(out.substring(out.indexOf(':') + 1).strip());
    }

    private static String migration(QmpClient qmp) {
        return qmp.execute("query-migrate").path("status").asString("");
    }

    private static void awaitMigration(QmpClient qmp, String status, XsnapProcess.Started run) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!migration(qmp).equals(status)) {
            if (System.nanoTime() > deadline || !run.isAlive()) {
                run.kill();
                throw new AssertionError("the save never reached " + status + " (" + migration(qmp) + ")");
            }
            Thread.sleep(2);
        }
    }
}
