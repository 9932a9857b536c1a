package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.qmp.QmpClient;
import io.xsnap.observe.Json;
import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.RamGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults an outside tester found on real guests (issue #13): xsnap killed while QEMU writes the memory file or
 * while a reverted guest's new QEMU loads it, a revert whose {@code cont} a lock refused, a damaged memory
 * file, a memory snapshot of a guest someone else paused. Each guest has 64 MiB of random RAM and a known
 * region in it ({@link RamGuest}), so "reverts to its exact RAM" is checked byte for byte.
 */
class OutsideFaultsOnGuestsTest extends OnGuests {
    static final String[] DISKS = {"--disk", "xvda=internal", "--disk", "xvdb=external"};

    StoreLayout layout;

    @BeforeEach
    void layout() {
        layout = new StoreLayout(store);
    }

    /**
     * Killed while QEMU writes the memory file: QEMU goes on to its switch-over and waits there (pause before
     * switch-over) with the guest stopped; {@code cont} alone is refused. Recovery cancels the save, waits for
     * its end, resumes the guest, and takes back whatever the save made.
     */
    @Test
    void killedWhileQemuWritesTheMemoryFileRecoverySettlesTheSaveAndResumes() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 3);
        g.write(0x11);
        XsnapProcess.Started create = xsnap.start(null, "create", args("web01", "--name", "s1"));
        Path mem = layout.memory("web01", "s1");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && size(mem) < 4 << 20 && create.isAlive()) {
            Thread.onSpinWait();
        }
        create.kill();
        assertTrue(size(mem) > 0, "killed while the memory file was written");
        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertConverged(g);
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")), "the interrupted snapshot was taken back");
        assertTrue(g.holds(0x11));
        ok(cli.host("create", args("web01", "--name", "s1")));
        g.write(0x22);
        ok(cli.host("revert", "--force", "web01", "s1"));
        assertTrue(g.holds(0x11), "a snapshot taken afterwards reverts to its exact RAM and disk bytes");
    }

    /**
     * Killed once the reverted guest's new QEMU is up, loading the memory file, before {@code cont}: recovery
     * waits for the load and resumes the guest, as the revert planned.
     */
    @Test
    void killedWhileTheRevertedGuestLoadsItsMemoryRecoveryResumesIt() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 4);
        g.write(0x11);
        ok(cli.host("create", args("web01", "--name", "s1")));
        g.write(0x22);
        long before = g.guest().pid();
        XsnapProcess.Started revert = xsnap.start(null, "revert", "--force", "web01", "s1");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && revert.isAlive() && !newPid(before)) {
            Thread.onSpinWait();
        }
        revert.kill();
        assertTrue(newPid(before), "killed after the new QEMU started");
        ok(cli.host("recover"));
        assertConverged(g);
        assertTrue(g.holds(0x11), "the revert was finished: s1's exact RAM and disk bytes");
    }

    /**
     * A revert whose {@code cont} failed: another process opened the new layer the moment the revert made it,
     * so QEMU, which loads memory with its disks inactive, could not take their write lock afterwards
     * ("Failed to get "write" lock"). The guest is left paused: the revert fails, and so does recovery while
     * the lock is held (it never reports success over a paused guest); once the lock is gone recovery resumes
     * it, with the snapshot's exact RAM and disk bytes.
     */
    @Test
    void aRevertWhoseContFailedIsResumedByRecovery() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 5);
        g.write(0x11);
        ok(cli.host("create", args("web01", "--name", "s1")));
        g.write(0x22);
        Path layer = layout.layersDir("web01").resolve("xvdb.2.qcow2");
        // qemu-io exits at once when it cannot open the layer (qemu-img still writes it): try again until one holds it
        java.util.concurrent.CompletableFuture<Process> holder = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + 60_000_000_000L;
            try {
                while (System.nanoTime() < deadline) {
                    if (size(layer) > 0) {
                        Process p = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", "sleep 120000", layer.toString())
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                        if (!p.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                            return p;
                        }
                    }
                    Thread.sleep(2);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("the revert never made " + layer);
        });
        try {
            Cli.Run revert = cli.host("revert", "--force", "web01", "s1");
            org.junit.jupiter.api.Assumptions.assumeTrue(revert.code() == 1,
                    "the lock was taken too late to stage the refused cont: " + revert);
            assertTrue(revert.err().contains("lock"), revert.toString());
            assertEquals("paused", g.guest().status(), "QEMU refused cont");
            Cli.Run locked = cli.host("recover");
            assertEquals(1, locked.code(), "recovery does not report success over a paused guest: " + locked);
            assertEquals("paused", g.guest().status());
        } finally {
            holder.get().destroyForcibly();
            holder.get().waitFor();
        }
        ok(cli.host("recover"));
        assertConverged(g);
        assertTrue(g.holds(0x11), "s1's exact RAM and disk bytes");
    }

    /**
     * A memory file changed after the snapshot (one byte, or a 4 KiB block) is found before the revert stops
     * the guest: the revert fails naming the file, the guest runs on untouched, the store is not wedged.
     */
    @ParameterizedTest(name = "{0} bytes changed")
    @ValueSource(ints = {1, 4096})
    void aDamagedMemoryFileIsRefusedBeforeTheGuestIsStopped(int bytes) throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 6);
        g.write(0x11);
        ok(cli.host("create", args("web01", "--name", "s1")));
        g.write(0x22);
        Path mem = layout.memory("web01", "s1");
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "rw")) {
            long at = f.length() / 2;
            byte[] b = new byte[bytes];
            f.seek(at);
            f.readFully(b);
            for (int i = 0; i < b.length; i++) {
                b[i] ^= 0x5a;
            }
            f.seek(at);
            f.write(b);
        }
        long pid = g.guest().pid();
        Cli.Run revert = cli.host("revert", "--force", "web01", "s1");
        assertEquals(1, revert.code(), revert.toString());
        assertTrue(revert.err().contains("does not match its manifest") && revert.err().contains(mem.toString()),
                revert.toString());
        assertEquals(pid, g.guest().pid(), "the guest was never stopped");
        assertConverged(g);
        assertTrue(g.holds(0x22), "the guest runs on untouched");
        ok(cli.host("create", args("web01", "--name", "s2")));
    }

    /**
     * A memory snapshot of a guest someone else had paused leaves it paused, as it was, with its disks active:
     * a disk-only snapshot right after works (QEMU would refuse it in postmigrate).
     */
    @Test
    void aMemorySnapshotOfAPausedGuestLeavesItPausedWithUsableDisks() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 7);
        g.write(0x11);
        try (QmpClient qmp = g.guest().qmp()) {
            qmp.execute("stop");
        }
        ok(cli.host("create", args("web01", "--name", "s1")));
        assertEquals("paused", g.guest().status());
        ok(cli.host("create", args("web01", "--name", "s2", "--disk-only")));
        assertEquals("paused", g.guest().status());
        try (QmpClient qmp = g.guest().qmp()) {
            qmp.execute("cont");
        }
        g.write(0x22);
        ok(cli.host("revert", "--force", "--running", "web01", "s1"));
        assertTrue(g.holds(0x11));
    }

    /**
     * Found by the random kills: a delete killed while it removed files, after its live commit ended, with the
     * guest's QEMU killed too. The host no longer shows the commit (no domain runs the chain, the layer is gone),
     * so recovery ran it again offline on a missing file, failing on every run. The journal's {@code merged}
     * entry now decides.
     */
    @Test
    void aDeleteKilledAfterItsMergeWithTheGuestGoneIsFinished() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 8);
        g.write(0x11);
        ok(cli.host("create", args("web01", "--name", "s1")));
        g.write(0x22);
        // killed once the layer above was removed, before the memory file is
        XsnapProcess.Run killed = xsnap.run("remove " + layout.memory("web01", "s1"), "delete", "web01", "s1");
        assertEquals(137, killed.code(), killed.toString());
        g.guest().quit();
        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")), "s1 is deleted");
        Journal journal = new Journal(layout.journal(), Json.mapper());
        assertEquals(List.of(), journal.interrupted(), "nothing open in the journal");
        assertTrue(cli.host("recover").out().contains("Nothing to recover"));
        lab.assertReadsOffline(lab.root().resolve("web01-b.raw"), "raw", 0x22, 0, RamGuest.K64);
    }

    private boolean newPid(long before) {
        try {
            String text = Files.readString(lab.qemuDir().resolve("web01.pid")).strip();
            return !text.isEmpty() && Long.parseLong(text) != before && GuestLab.isQemu(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** The guest runs, nothing is open in the journal, a second recovery finds nothing, no stray layer. */
    private void assertConverged(RamGuest g) throws IOException {
        assertEquals("running", g.guest().status(), "the guest runs");
        Journal journal = new Journal(layout.journal(), Json.mapper());
        assertEquals(List.of(), journal.interrupted(), "nothing open in the journal");
        assertEquals(List.of(), journal.pausedAndNotResumed());
        Cli.Run again = cli.host("recover");
        ok(again);
        assertTrue(again.out().contains("Nothing to recover"), again.toString());
        try (QmpClient qmp = g.guest().qmp()) {
            assertEquals(0, qmp.execute("query-jobs").size(), "no block job left");
            String migration = qmp.execute("query-migrate").path("status").asString("");
            assertTrue(migration.isEmpty() || List.of("completed", "cancelled", "failed").contains(migration), migration);
        }
        KillPointsOnGuestsTest.assertPrivate(store);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String[] args(String... first) {
        return Stream.concat(Stream.of(first), Stream.of(DISKS)).toArray(String[]::new);
    }
}
