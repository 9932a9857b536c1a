package io.xsnap.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemorySave;
import io.xsnap.host.Progress;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.exec.Command;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.testing.BusyGuest;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live snapshots of one instant ({@link QmpBackgroundSave}) on real TCG guests: a busy guest
 * ({@link BusyGuest}) that rewrites its 64 MiB with a pass counter, watched through a second QMP monitor
 * while the driver holds the first.
 */
@GuestTest
class LiveSnapshotOnGuestsTest {
    private static final long MIB = 1 << 20;
    private static final long DISK_MARK = MIB;

    @TempDir
    Path tmp;

    private GuestLab lab;
    private QemuDriver driver;

    @BeforeEach
    void setUp() {
        lab = new GuestLab(tmp);
        driver = new QemuDriver(lab.qemuDir(), lab.runner());
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /**
     * The memory and the disk of the snapshot are those of the instant of the request: the counter the
     * guest had then (or later in that pass) is in the file, a counter the guest wrote while the save still
     * ran is not; the disk holds what was written before the request, not what was written during the save.
     */
    @Test
    void aBusyGuestIsSavedAsOfTheInstantOfTheRequest() throws IOException {
        assumeTrue(BusyGuest.toolsPresent(), "as and ld (binutils) assemble the busy guest");
        Path monitor = lab.qemuDir().resolve("busy.mon");
        Path throttle = lab.qemuDir().resolve("busy.thr");
        Path disk = BusyGuest.disk(lab, "busy.qcow2", 64 * MIB);
        TestGuest g = lab.start("busy", List.of(Disk.qcow2("xvda", disk)),
                List.of("-qmp", "unix:" + monitor + ",server=on,wait=off", "-qmp", "unix:" + throttle + ",server=on,wait=off"));
        // a slow disk: as soon as the save runs, a third monitor limits it to 8 MiB/s, so that the guest runs
        // and changes its memory well before the save ends (unthrottled, 64 MiB take a fraction of a second)
        Thread slow = new Thread(() -> {
            try (QmpClient qmp = QmpClient.connect(throttle, Duration.ofSeconds(10))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    String status = qmp.execute("query-migrate").path("status").asString("");
                    if (status.equals("active") || status.equals("setup")) {
                        qmp.execute("migrate-set-parameters", QmpClient.args().put("max-bandwidth", 8 * MIB));
                        return;
                    }
                    Thread.onSpinWait();
                }
            }
        }, "throttle");
        try (QmpClient watch = QmpClient.connect(monitor, Duration.ofSeconds(10))) {
            awaitCounter(watch, 2 * 1008 + 1);   // past its first pass: every chunk written (63 MiB in 64 KiB chunks)
            qemuIo(watch, 0xaa);
            DomainInfo domain = driver.list().get(0);
            long before = -1;
            AtomicLong during = new AtomicLong(-1);
            AtomicLong stillSaving = new AtomicLong(0);
            Path file = null;
            String tag = null;
            slow.start();
            // a save that ends before the guest could change anything proves nothing: up to three tries
            for (int attempt = 1; attempt <= 3 && stillSaving.get() == 0; attempt++) {
                before = counter(watch);
                during.set(-1);
                driver.progress((what, done, total) -> {
                    if (during.get() >= 0) {
                        return;
                    }
                    // the guest runs again while QEMU still writes its memory: it changes its memory, the test the disk
                    long seen = counter(watch);
                    long moved = awaitCounter(watch, seen + 1);
                    qemuIo(watch, 0xbb);
                    if (watch.execute("query-migrate").path("status").asString("").equals("active")) {
                        stillSaving.set(1);
                    }
                    during.set(moved);
                });
                file = tmp.resolve("mem/busy-" + attempt + ".save");
                tag = "instant" + attempt;
                MemorySave save = driver.saveMemoryAndSnapshotDisks(domain, file, true,
                        List.of(new DiskCut(domain.disk("xvda"), true, tag, null)));
                long after = counter(watch);
                assertEquals(MemorySave.Way.BACKGROUND, save.way(), save.toString());
                assertTrue(save.resumedAtNanos() > save.stoppedAtNanos(), save.toString());
                assertEquals("running", g.status(), "QEMU resumed the guest itself");
                assertTrue(during.get() > before && after >= during.get(), before + " " + during + " " + after);
                if (stillSaving.get() == 0) {
                    qemuIo(watch, 0xaa);   // the next try starts from the same disk contents
                }
            }
            assertEquals(1, stillSaving.get(), "the guest changed its memory while the save still ran");

            RestartRecipe recipe = driver.restartRecipe(domain);
            watch.close();
            driver.destroy(domain);
            lab.runner().run(Command.of("qemu-img", "snapshot", "-a", tag, disk.toString()));
            assertTrue(lab.readsOffline(disk, "qcow2", 0xaa, DISK_MARK, 4096),
                    "the disk written before the request is in the snapshot, what was written during the save is not");
            DomainInfo back = driver.start("busy", recipe, Map.of(), file, true);
            try (QmpClient qmp = QmpClient.connect(lab.qemuDir().resolve("busy.qmp"), Duration.ofSeconds(10))) {
                long saved = counter(qmp);
                assertTrue(saved >= before, "memory of before the request is in the snapshot: " + saved + " < " + before);
                assertTrue(saved < during.get(), "memory written during the save is not: counter " + saved
                        + ", the guest had reached " + during.get() + " while QEMU still saved");
                assertOnePass(qmp, saved);
            }
            driver.destroy(back);
        }
    }

    /**
     * An idle guest: the save returns with the guest running, QEMU's downtime within the pause, the
     * migration settings put back, the disk cut; a failing cut (the name is taken) changes nothing and the
     * guest runs on.
     */
    @Test
    void aBackgroundSaveLeavesTheGuestRunningAndAFailedCutChangesNothing() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        TestGuest guest = lab.start("g", Disk.qcow2("vda", a));
        guest.write("vda", 0x51, 0, 65536);
        DomainInfo domain = driver.list().get(0);
        String settings = settings(guest);
        long called = System.nanoTime();
        Path memory = tmp.resolve("store/s1/memory.save");
        MemorySave save = driver.saveMemoryAndSnapshotDisks(domain, memory, true,
                List.of(new DiskCut(domain.disk("vda"), true, "s1", null)));
        long returned = System.nanoTime();
        assertEquals(MemorySave.Way.BACKGROUND, save.way());
        assertEquals(Files.size(memory), save.bytes());
        assertTrue(called < save.stoppedAtNanos() && save.stoppedAtNanos() < save.resumedAtNanos()
                && save.resumedAtNanos() <= returned, save.toString());
        long pause = save.resumedAtNanos() - save.stoppedAtNanos();
        assertTrue(save.downtimeMillis() >= 0 && save.downtimeMillis() * 1_000_000 <= pause + 10_000_000,
                "QEMU's downtime lies within the pause (" + pause / 1_000_000 + " ms): " + save);
        assertEquals("running", guest.status());
        assertEquals(settings, settings(guest), "capabilities and parameters are put back");
        guest.write("vda", 0x52, 0, 65536);

        Path second = tmp.resolve("store/s2/memory.save");
        HostException e = org.junit.jupiter.api.Assertions.assertThrows(HostException.class,
                () -> driver.saveMemoryAndSnapshotDisks(domain, second, true,
                        List.of(new DiskCut(domain.disk("vda"), true, "s1", null))));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(!Files.exists(second), "the partial memory file is removed");
        assertEquals("running", guest.status(), "the failed save let the guest run on");
        assertEquals(settings, settings(guest));
        guest.quit();
        assertTrue(lab.readsOffline(a, "qcow2", 0x52, 0, 65536));
    }

    private static String settings(TestGuest guest) {
        try (QmpClient qmp = guest.qmp()) {
            return qmp.execute("query-migrate-capabilities").toString() + " "
                    + qmp.execute("query-migrate-parameters").path("max-bandwidth");
        }
    }

    /** File-backed guest RAM cannot be write-protected: QEMU refuses, the save falls back to pre-copy. */
    @Test
    void fileBackedMemoryFallsBackToPreCopy() {
        Path ram = tmp.resolve("ram.bin");
        lab.start("filed", List.of(Disk.qcow2("xvda", lab.createDisk("d.qcow2", "qcow2", 16 * MIB))),
                List.of("-machine", "memory-backend=m", "-object",
                        "memory-backend-file,id=m,size=64M,mem-path=" + ram + ",share=on"));
        DomainInfo domain = driver.list().get(0);
        MemorySave save = driver.saveMemoryAndSnapshotDisks(domain, tmp.resolve("mem/f.save"), true,
                List.of(new DiskCut(domain.disk("xvda"), true, "s1", null)));
        assertEquals(MemorySave.Way.PRE_COPY, save.way(), save.toString());
        assertEquals(-1, save.resumedAtNanos());
        driver.resume(domain);
        try (QmpClient qmp = lab.guest("filed").qmp()) {
            for (tools.jackson.databind.JsonNode c : qmp.execute("query-migrate-capabilities")) {
                if (c.path("capability").asString("").equals(QmpBackgroundSave.CAPABILITY)) {
                    assertEquals(false, c.path("state").asBoolean(true), "the capability is off again");
                }
            }
        }
    }

    /**
     * A guest QEMU cannot migrate at all (here an ivshmem device in peer mode; VFIO devices alike) is refused
     * before it is stopped, with QEMU's reason; nothing is written.
     */
    @Test
    void aGuestQemuCannotMigrateIsRefusedUntouched() {
        lab.start("blocked", List.of(Disk.qcow2("xvda", lab.createDisk("b.qcow2", "qcow2", 16 * MIB))),
                List.of("-object", "memory-backend-ram,id=sh,size=1M,share=on", "-device", "ivshmem-plain,memdev=sh"));
        DomainInfo domain = driver.list().get(0);
        for (boolean live : new boolean[] {true, false}) {
            HostException e = org.junit.jupiter.api.Assertions.assertThrows(HostException.class,
                    () -> driver.saveMemoryAndSnapshotDisks(domain, tmp.resolve("mem/b.save"), live,
                            List.of(new DiskCut(domain.disk("xvda"), true, "s1", null))));
            assertTrue(e.getMessage().contains("cannot save its memory") && e.getMessage().contains("ivshmem"),
                    e.getMessage());
            assertEquals("running", lab.guest("blocked").status());
            assertTrue(!Files.exists(tmp.resolve("mem/b.save")));
        }
    }

    private static long counter(QmpClient qmp) {
        String out = qmp.execute("human-monitor-command", QmpClient.args().put("command-line",
                "xp /1wx " + BusyGuest.COUNTER)).asString("");
        return Long.decode(out.substring(out.indexOf(':') + 1).strip());
    }

    private static long awaitCounter(QmpClient qmp, long atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long c;
        while ((c = counter(qmp)) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the busy guest's counter stays at " + c + ", expected " + atLeast);
            }
            sleep(2);
        }
        return c;
    }

    private static void qemuIo(QmpClient qmp, int pattern) {
        String out = qmp.execute("human-monitor-command", QmpClient.args().put("command-line",
                String.format("qemu-io xvda \"write -P 0x%02x %d 4096\"", pattern, DISK_MARK))).asString("");
        assertTrue(out.isBlank(), out);
    }

    /**
     * The region holds one instant of the guest's loop (see busy_guest.S): the chunk c whose first word is
     * the counter {@code s} is the one being written, partly s and then s-N; every other chunk k holds
     * s - ((c - k) mod N). A page saved after the guest went on would hold a later value.
     */
    private void assertOnePass(QmpClient qmp, long s) throws IOException {
        Path dump = tmp.resolve("region.bin");
        int size = (int) (63 * MIB);
        int chunk = 64 * 1024;
        int n = size / chunk;
        qmp.execute("pmemsave", QmpClient.args().put("val", BusyGuest.REGION).put("size", size)
                .put("filename", dump.toString()));
        ByteBuffer words = ByteBuffer.wrap(Files.readAllBytes(dump)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(size, words.capacity());
        int current = -1;
        for (int k = 0; k < n; k++) {
            if (Integer.toUnsignedLong(words.getInt(k * chunk)) == s) {
                current = k;
            }
        }
        assertTrue(current >= 0, "no chunk starts with the counter " + s);
        for (int k = 0; k < n; k++) {
            long expected = s - Math.floorMod(current - k, n);
            boolean older = false;
            for (int i = k * chunk; i < (k + 1) * chunk; i += 4) {
                long w = Integer.toUnsignedLong(words.getInt(i));
                if (k == current && w == s - n) {
                    older = true;
                } else if (w != expected || older) {
                    throw new AssertionError("word at " + Long.toHexString(BusyGuest.REGION + i) + " is " + w
                            + ", expected " + expected + ": not one instant of the guest at counter " + s);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
