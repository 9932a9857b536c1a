package io.xsnap.host.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemorySave;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The qemu driver on real TCG guests (no guest OS: data is written and read through QEMU). */
@GuestTest
class QemuDriverTest {
    private static final long MIB = 1 << 20;
    private static final long K64 = 64 * 1024;

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

    private DomainInfo domain(String name) {
        return driver.list().stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no domain " + name + " in " + driver.list()));
    }

    private List<String> internalSnapshots(Path qcow2) {
        JsonNode info = lab.qemuImg().info(qcow2, "qcow2", true);
        return info.path("snapshots").values().stream().map(s -> s.path("name").asString()).toList();
    }

    @Test
    void listShowsLiveGuestsWithStateAndDisksAndSkipsTheRest() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        Path b = lab.createDisk("b.raw", "raw", MIB);
        lab.start("web02", List.of(Disk.raw("vdb", b), Disk.qcow2("vda", a)),
                List.of("-drive", "if=ide,media=cdrom,id=cd0"));
        lab.start("db01", List.of(), List.of("-S"));
        Files.writeString(lab.qemuDir().resolve("gone.pid"), "999999999\n");
        Files.writeString(lab.qemuDir().resolve("java.pid"), ProcessHandle.current().pid() + "\n");

        List<DomainInfo> domains = driver.list();

        assertEquals(List.of("db01", "web02"), domains.stream().map(DomainInfo::name).toList());
        assertEquals(RunState.PAUSED, domains.get(0).state(), "-S: prelaunch counts as paused");
        DomainInfo web = domains.get(1);
        assertEquals(lab.guest("web02").pid(), web.id());
        assertEquals(RunState.RUNNING, web.state());
        assertEquals(List.of(new DiskInfo("vda", a, "qcow2", "vda", false), new DiskInfo("vdb", b, "raw", "vdb", false)),
                web.disks(), "sorted by vdev, the empty CD-ROM left out");
    }

    @Test
    void pauseAndResume() {
        lab.start("g", Disk.qcow2("vda", lab.createDisk("a.qcow2", "qcow2", MIB)));
        driver.pause(domain("g"));
        assertEquals(RunState.PAUSED, domain("g").state());
        driver.resume(domain("g"));
        assertEquals(RunState.RUNNING, domain("g").state());
    }

    @Test
    void savedMemoryIsAPrivateQemuStreamAndStartResumesFromIt() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        TestGuest guest = lab.start("g", Disk.qcow2("vda", a));
        guest.write("vda", 0xa1, 0, K64);
        DomainInfo before = domain("g");
        driver.pause(before);
        Path memory = tmp.resolve("store/g/s1/memory.save");

        assertThrows(HostException.class, () -> driver.saveMemory(domain("g"), tmp.resolve("bad'name"), false),
                "a path the shell could misread is refused");
        MemorySave save = driver.saveMemory(domain("g"), memory, false);
        long bytes = save.bytes();

        assertEquals(Files.size(memory), bytes);
        assertEquals(-1, save.stoppedAtNanos(), "the guest was paused before the save");
        assertEquals(-1, save.downtimeMillis());
        assertTrue(bytes > 100_000, "a 64 MiB guest's state: " + bytes);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(memory)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(memory.getParent())));
        assertEquals("QEVM", head(memory));
        assertEquals(RunState.PAUSED, domain("g").state());
        assertEquals("paused", guest.status(), "paused as before the save, its disks active again (not postmigrate)");
        driver.saveMemory(domain("g"), tmp.resolve("store/g/s2/memory.save"), false);
        assertEquals("paused", guest.status(), "a second save works: QEMU 7.2 refuses one only from postmigrate");

        RestartRecipe recipe = driver.restartRecipe(domain("g"));
        driver.destroy(domain("g"));
        assertFalse(GuestLab.isQemu(before.id()));
        assertTrue(driver.list().isEmpty());

        DomainInfo restored = driver.start("g", recipe, Map.of(), memory, true);
        assertEquals(RunState.PAUSED, restored.state());
        assertEquals("paused", guest.status(), "loaded, held paused as asked");
        driver.resume(restored);
        assertEquals(RunState.RUNNING, domain("g").state());
        guest.assertReads("vda", 0xa1, 0, K64);
    }

    @Test
    void aSaveThatIsNotLiveStopsARunningGuestOnceReady() {
        TestGuest guest = lab.start("g", Disk.qcow2("vda", lab.createDisk("a.qcow2", "qcow2", MIB)));
        long called = System.nanoTime();
        MemorySave save = driver.saveMemory(domain("g"), tmp.resolve("store/g/s1/memory.save"), false);
        assertTrue(save.stoppedAtNanos() > called && save.stoppedAtNanos() < System.nanoTime(), save.toString());
        assertEquals(-1, save.downtimeMillis());
        assertEquals("postmigrate", guest.status(), "stopped, and left so");
    }

    /**
     * A snapshot not live (memory and a disk cut): the disk is cut while the RAM is written, and the save
     * continues the guest it stopped over its own monitor connection, before it puts the migration settings
     * back: the guest runs when the call returns, the file whole and private, the settings as before.
     */
    @Test
    void aSnapshotNotLiveResumesTheGuestItStopped() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        TestGuest guest = lab.start("g", Disk.qcow2("vda", a));
        guest.write("vda", 0x61, 0, K64);
        String settings = migrationSettings(guest);
        Path memory = tmp.resolve("store/g/s1/memory.save");

        long called = System.nanoTime();
        MemorySave save = driver.saveMemoryAndSnapshotDisks(domain("g"), memory, false,
                List.of(new DiskCut(domain("g").disk("vda"), true, "s1", null)));
        long returned = System.nanoTime();

        assertEquals(MemorySave.Way.STOPPED, save.way());
        assertTrue(called < save.stoppedAtNanos() && save.stoppedAtNanos() < save.resumedAtNanos()
                && save.resumedAtNanos() < returned, "stopped, then resumed by the save: " + save);
        assertEquals("running", guest.status(), "the save continued the guest it stopped");
        assertEquals(List.of("s1"), internalSnapshots(a));
        assertEquals(Files.size(memory), save.bytes());
        MigrationStream.checkWhole(memory);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(memory)));
        assertEquals(settings, migrationSettings(guest), "capabilities and parameters are put back");
        guest.write("vda", 0x62, 0, K64);
        guest.assertReads("vda", 0x62, 0, K64);
    }

    /** Pre-copy: a guest whose RAM is a shared file, which QEMU cannot save in the background. */
    @Test
    void liveSaveCutsTheDisksAtTheEndAndAFailedCutChangesNothing() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        TestGuest guest = lab.start("g", List.of(Disk.qcow2("vda", a)), List.of("-machine", "memory-backend=m",
                "-object", "memory-backend-file,id=m,size=64M,mem-path=" + tmp.resolve("ram.bin") + ",share=on"));
        guest.write("vda", 0x51, 0, K64);
        DiskInfo vda = domain("g").disk("vda");
        Path memory = tmp.resolve("store/s1/memory.save");
        String settings = migrationSettings(guest);

        long called = System.nanoTime();
        MemorySave save = driver.saveMemoryAndSnapshotDisks(domain("g"), memory, true,
                List.of(new DiskCut(vda, true, "s1", null)));
        long returned = System.nanoTime();

        assertEquals(Files.size(memory), save.bytes());
        assertEquals(MemorySave.Way.PRE_COPY, save.way());
        assertTrue(save.stoppedAtNanos() > called && save.stoppedAtNanos() < returned, "stopped during the save");
        long stoodStill = returned - save.stoppedAtNanos();
        // QEMU starts its downtime clock just before it stops the vCPUs and emits STOP (whose timestamp is the
        // pause's start): on a loaded host that gap alone is a few milliseconds
        assertTrue(save.downtimeMillis() >= 0 && save.downtimeMillis() * 1_000_000 <= stoodStill + 10_000_000,
                "QEMU's downtime lies within the pause (" + stoodStill / 1_000_000 + " ms): " + save);
        assertEquals(settings, migrationSettings(guest), "capabilities and parameters are put back");
        assertEquals("QEVM", head(memory));
        assertEquals("postmigrate", guest.status(), "QEMU stopped the guest at the end");
        assertEquals(List.of("s1"), internalSnapshots(a));
        driver.resume(domain("g"));
        guest.write("vda", 0x52, 0, K64);
        guest.assertReads("vda", 0x52, 0, K64);

        Path second = tmp.resolve("store/s2/memory.save");
        HostException e = assertThrows(HostException.class, () -> driver.saveMemoryAndSnapshotDisks(domain("g"),
                second, true, List.of(new DiskCut(vda, true, "s1", null))));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertFalse(Files.exists(second), "the partial memory file is removed");
        assertEquals(RunState.RUNNING, domain("g").state(), "the cancelled save let the guest run on");
        assertEquals(List.of("s1"), internalSnapshots(a));
    }

    /** The migration capabilities and parameters a save changes, as QEMU reports them. */
    private static String migrationSettings(TestGuest guest) {
        try (var qmp = guest.qmp()) {
            JsonNode p = qmp.execute("query-migrate-parameters");
            return qmp.execute("query-migrate-capabilities").toString() + " max-bandwidth="
                    + p.path("max-bandwidth") + " downtime-limit=" + p.path("downtime-limit");
        }
    }

    @Test
    void aGuestThatDoesNotQuitIsKilled() {
        TestGuest guest = lab.start("g", Disk.qcow2("vda", lab.createDisk("a.qcow2", "qcow2", MIB)));
        DomainInfo g = domain("g");
        lab.runner().run(io.xsnap.host.exec.Command.of("kill", "-STOP", Long.toString(guest.pid())));
        QemuDriver impatient = new QemuDriver(lab.qemuDir(), lab.runner(), java.time.Duration.ofMillis(200),
                java.time.Duration.ofMillis(200));

        impatient.destroy(g);

        assertFalse(GuestLab.isQemu(g.id()));
        assertFalse(Files.exists(lab.qemuDir().resolve("g.pid")), "a killed guest's pid file is removed");
        assertFalse(Files.exists(lab.qemuDir().resolve("g.qmp")));
        impatient.destroy(g);
    }

    @Test
    void aDamagedMemoryFileFailsTheStartClearly() throws IOException {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        lab.start("g", Disk.qcow2("vda", a));
        RestartRecipe recipe = driver.restartRecipe(domain("g"));
        driver.destroy(domain("g"));
        Path memory = Files.writeString(tmp.resolve("memory.save"), "QEVM but nothing else");

        HostException e = assertThrows(HostException.class, () -> driver.start("g", recipe, Map.of(), memory, false));

        assertTrue(e.getMessage().contains("while loading memory from " + memory), e.getMessage());
        assertTrue(driver.list().isEmpty());
    }

    @Test
    void internalAndExternalCutsInOneTransactionThenARevert() {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        Path b = lab.createDisk("b.raw", "raw", MIB);
        TestGuest guest = lab.start("g", Disk.qcow2("vda", a), Disk.raw("vdb", b));
        guest.write("vda", 0x11, 0, K64);
        guest.write("vdb", 0x11, 0, K64);
        DomainInfo g = domain("g");
        Path overlay = lab.createOverlay("b.1.qcow2", b, "raw");

        driver.snapshotDisks(g, List.of(new DiskCut(g.disk("vda"), true, "s1", null),
                new DiskCut(g.disk("vdb"), false, null, overlay)));

        assertEquals(new DiskInfo("vdb", overlay, "qcow2", "vdb", false), domain("g").disk("vdb"));
        assertEquals(List.of("s1"), internalSnapshots(a));
        guest.write("vda", 0x22, 0, K64);
        guest.write("vdb", 0x22, 0, K64);
        guest.assertReads("vda", 0x22, 0, K64);
        guest.assertReads("vdb", 0x22, 0, K64);

        // revert, the xsnap way: stop, apply the internal snapshot, a new overlay on the frozen file, start
        RestartRecipe recipe = driver.restartRecipe(domain("g"));
        driver.destroy(domain("g"));
        lab.assertReadsOffline(b, "raw", 0x11, 0, K64);
        lab.qemuImg().snapshotApply(a, "s1");
        Path reverted = lab.createOverlay("b.2.qcow2", b, "raw");
        DomainInfo started = driver.start("g", recipe, Map.of("vdb", reverted), null, true);

        assertEquals(RunState.PAUSED, started.state());
        assertEquals(new DiskInfo("vdb", reverted, "qcow2", "vdb", false), started.disk("vdb"));
        assertEquals(a, started.disk("vda").path());
        driver.resume(started);
        guest.assertReads("vda", 0x11, 0, K64);
        guest.assertReads("vdb", 0x11, 0, K64);

        driver.deleteInternalSnapshot(domain("g"), domain("g").disk("vda"), "s1");
        assertEquals(List.of(), internalSnapshots(a));
    }

    @Test
    void aFailingTransactionChangesNoDisk() {
        Path a = lab.createDisk("a.qcow2", "qcow2", MIB);
        lab.qemuImg().snapshotCreate(a, "dup");
        Path b = lab.createDisk("b.raw", "raw", MIB);
        lab.start("g", Disk.qcow2("vda", a), Disk.raw("vdb", b));
        DomainInfo g = domain("g");
        Path overlay = lab.createOverlay("b.1.qcow2", b, "raw");

        HostException e = assertThrows(HostException.class, () -> driver.snapshotDisks(g, List.of(
                new DiskCut(g.disk("vdb"), false, null, overlay),
                new DiskCut(g.disk("vda"), true, "dup", null))));

        assertTrue(e.getMessage().contains("no disk was changed"), e.getMessage());
        assertTrue(e.getMessage().contains("Snapshot with name 'dup' already exists"), e.getMessage());
        assertEquals(g.disks(), domain("g").disks(), "vdb still writes the raw file");
        assertEquals(List.of("dup"), internalSnapshots(a));
    }

    private Path base;
    private Path mid;
    private Path top;

    /** base(0x01 at 0, 0x02 at 64k) ← mid(0x03 at 64k) ← top, the guest writing 0x04 at 128k into top. */
    private TestGuest chainOfThree() {
        base = lab.createDisk("base.qcow2", "qcow2", MIB);
        lab.writeOffline(base, "qcow2", 0x01, 0, K64);
        lab.writeOffline(base, "qcow2", 0x02, K64, K64);
        mid = lab.createOverlay("mid.qcow2", base, "qcow2");
        lab.writeOffline(mid, "qcow2", 0x03, K64, K64);
        top = lab.createOverlay("top.qcow2", mid, "qcow2");
        TestGuest guest = lab.start("g", Disk.qcow2("vda", top));
        guest.write("vda", 0x04, 2 * K64, K64);
        return guest;
    }

    private static void assertChainData(TestGuest guest) {
        guest.assertReads("vda", 0x01, 0, K64);
        guest.assertReads("vda", 0x03, K64, K64);
        guest.assertReads("vda", 0x04, 2 * K64, K64);
    }

    private List<Path> chain(String vdev) {
        try (var qmp = lab.guest("g").qmp()) {
            return QmpBlock.chain(qmp, vdev);
        }
    }

    @Test
    void commitIntermediateThenActiveOnARunningGuestKeepsTheData() {
        TestGuest guest = chainOfThree();

        driver.commitLayer(domain("g"), domain("g").disk("vda"), mid, base);
        assertEquals(List.of(top, base), chain("vda"));
        assertChainData(guest);

        driver.commitLayer(domain("g"), domain("g").disk("vda"), top, base);
        assertEquals(List.of(base), chain("vda"));
        assertEquals(base, domain("g").disk("vda").path(), "the guest now writes the base");
        assertEquals(RunState.RUNNING, domain("g").state());
        assertChainData(guest);
        guest.write("vda", 0x05, 3 * K64, K64);
        guest.quit();
        lab.assertReadsOffline(base, "qcow2", 0x05, 3 * K64, K64);
        lab.assertReadsOffline(base, "qcow2", 0x03, K64, K64);
    }

    @Test
    void streamIntoTheActiveAndAnInnerLayerOnARunningGuestKeepsTheData() {
        TestGuest guest = chainOfThree();
        Path newest = lab.createOverlay("newest.qcow2", top, "qcow2");
        driver.snapshotDisks(domain("g"), List.of(new DiskCut(domain("g").disk("vda"), false, null, newest)));
        assertEquals(List.of(newest, top, mid, base), chain("vda"));

        driver.streamLayer(domain("g"), domain("g").disk("vda"), newest, top, mid);
        assertEquals(List.of(newest, mid, base), chain("vda"));
        assertChainData(guest);

        driver.streamLayer(domain("g"), domain("g").disk("vda"), mid, base, null);
        assertEquals(List.of(newest, mid), chain("vda"), "streamed into a layer below the active one");
        assertChainData(guest);

        driver.streamLayer(domain("g"), domain("g").disk("vda"), newest, mid, null);
        assertEquals(List.of(newest), chain("vda"));
        assertChainData(guest);
        guest.quit();
        assertNull(lab.qemuImg().info(newest, "qcow2", false).get("backing-filename"), "the top stands alone");
        lab.assertReadsOffline(newest, "qcow2", 0x01, 0, K64);
        lab.assertReadsOffline(newest, "qcow2", 0x04, 2 * K64, K64);
    }

    @Test
    void aChainOperationOnLayersThatAreNotAdjacentIsRefused() {
        chainOfThree();
        HostException e = assertThrows(HostException.class, () -> driver.commitLayer(domain("g"),
                domain("g").disk("vda"), top, base));
        assertTrue(e.getMessage().contains("is not directly below"), e.getMessage());
    }

    private static String head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            assertArrayEquals("QEVM".getBytes(StandardCharsets.US_ASCII), magic);
            return new String(magic, StandardCharsets.US_ASCII);
        }
    }
}
