package io.xsnap.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

/** Command-line rewriting and QMP answer parsing, without QEMU. */
class QemuArgvTest {
    private static final Path DIR = Path.of("/run/xsnap/qemu");
    private static final List<String> RUNNING = List.of("qemu-system-x86_64", "-machine", "pc", "-m", "64",
            "-name", "web01,debug-threads=on", "-qmp", "unix:/run/xsnap/qemu/web01.qmp,server=on,wait=off",
            "-qmp", "unix:/srv/mgmt.sock,server=on,wait=off", "-pidfile", "/run/xsnap/qemu/web01.pid",
            "--daemonize", "-drive", "id=vda,file=/img/a,,b.qcow2,format=qcow2,if=virtio",
            "-drive", "id=vdb,file=/img/b.raw,format=raw,if=virtio,cache=none",
            "-S", "-incoming", "exec:cat '/old/memory.save'");

    @Test
    void readsTheNameAndTheDrives() {
        assertEquals("web01", QemuArgv.guestName(RUNNING));
        assertEquals("web01", QemuArgv.guestName(List.of("qemu", "-name", "guest=web01,process=x")));
        assertNull(QemuArgv.guestName(List.of("qemu", "-m", "64")));
        assertEquals(List.of(new QemuArgv.Drive("vda", "/img/a,b.qcow2", "qcow2"),
                new QemuArgv.Drive("vdb", "/img/b.raw", "raw")), QemuArgv.drives(RUNNING));
    }

    @Test
    void aDriveGetsItsNewFileAndFormatAndKeepsTheRest() {
        List<String> argv = QemuArgv.withDrive(RUNNING, "vdb", Path.of("/store/web01/layers/vdb,1.qcow2"), "qcow2");
        assertEquals("id=vdb,file=/store/web01/layers/vdb,,1.qcow2,format=qcow2,if=virtio,cache=none", argv.get(17));
        assertEquals(RUNNING.get(15), argv.get(15), "the other drive is untouched");
        assertThrows(IllegalArgumentException.class, () -> QemuArgv.withDrive(RUNNING, "vdz", Path.of("/x"), "raw"));
    }

    @Test
    void aRestartDropsTheOldDaemonOptionsAndAddsTheDriversOnes() {
        assertEquals(List.of("qemu-system-x86_64", "-machine", "pc", "-m", "64",
                        "-name", "web02,debug-threads=on", "-qmp", "unix:/srv/mgmt.sock,server=on,wait=off",
                        "-drive", "id=vda,file=/img/a,,b.qcow2,format=qcow2,if=virtio",
                        "-drive", "id=vdb,file=/img/b.raw,format=raw,if=virtio,cache=none",
                        "-qmp", "unix:/run/xsnap/qemu/web02.qmp,server=on,wait=off",
                        "-pidfile", "/run/xsnap/qemu/web02.pid", "-daemonize",
                        "-S", "-incoming", "exec:cat '/store/s1/memory.save'"),
                QemuArgv.forDaemon(RUNNING, "web02", DIR, "exec:cat '/store/s1/memory.save'", true));
    }

    @Test
    void aColdStartOfAGuestWithoutNameRunsAtOnce() {
        assertEquals(List.of("qemu-system-x86_64", "-m", "64", "-name", "a,,b",
                        "-qmp", "unix:/run/xsnap/qemu/a,,b.qmp,server=on,wait=off",
                        "-pidfile", "/run/xsnap/qemu/a,b.pid", "-daemonize"),
                QemuArgv.forDaemon(List.of("qemu-system-x86_64", "-m", "64"), "a,b", DIR, null, false));
    }

    @Test
    void optionValuesRoundTrip() {
        String value = "id=vda,file=/a,,b,readonly,format=raw";
        assertEquals(value, QemuArgv.formatOptions(QemuArgv.parseOptions(value)));
    }

    @ParameterizedTest
    @CsvSource({"running,true,RUNNING", "paused,false,PAUSED", "postmigrate,false,PAUSED", "prelaunch,false,PAUSED",
        "inmigrate,false,PAUSED", "shutdown,false,SHUTDOWN", "guest-panicked,false,CRASHED",
        "internal-error,false,CRASHED", "some-new-state,true,RUNNING", "other-new-state,false,PAUSED"})
    void qemuStatusesMapToRunStates(String status, boolean running, RunState expected) {
        String json = "{\"status\":\"" + status + "\",\"running\":" + running + ",\"singlestep\":false}";
        assertEquals(expected, QemuDriver.runState(JsonMapper.builder().build().readTree(json)));
    }

    @Test
    void queryBlockGivesTheDisksWithoutCdromsAndNamesBlockdevDisksByNode() {
        String json = """
                [{"device":"vdb","removable":false,"inserted":{"file":"/i/b.1.qcow2","drv":"qcow2","ro":false,
                   "node-name":"#block391","image":{"filename":"/i/b.1.qcow2","backing-image":{"filename":"/i/b.raw"}}}},
                 {"device":"ide1-cd0","removable":true,"tray_open":false},
                 {"device":"cd1","removable":true,"inserted":{"file":"/iso/x.iso","drv":"raw","ro":true}},
                 {"device":"","removable":false,"inserted":{"file":"/i/c.raw","drv":"raw","ro":true,"node-name":"disk2"}},
                 {"device":"vda","removable":false,"inserted":{"file":"/i/a.qcow2","drv":"qcow2","ro":false}}]
                """;
        assertEquals(List.of(new DiskInfo("disk2", Path.of("/i/c.raw"), "raw", null, true),
                        new DiskInfo("vda", Path.of("/i/a.qcow2"), "qcow2", "vda", false),
                        new DiskInfo("vdb", Path.of("/i/b.1.qcow2"), "qcow2", "vdb", false)),
                QmpBlock.disks(JsonMapper.builder().build().readTree(json)));
    }

    @Test
    void aMemoryPathIsSingleQuotedForTheShellOrRefused() {
        assertEquals("'/store/web 01/$HOME/m.save'", QmpMigration.shellQuoted(Path.of("/store/web 01/$HOME/m.save")));
        assertThrows(HostException.class, () -> QmpMigration.shellQuoted(Path.of("/store/it's/m.save")));
    }

    @Test
    void aCloneGetsTheNewNameFreshMacsAndUuidAndLosesTheSourcesDaemonOptions() {
        List<String> source = List.of("qemu-system-x86_64", "-name", "web01,debug-threads=on", "-uuid",
                "11111111-2222-3333-4444-555555555555", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56",
                "-net", "nic,model=e1000", "-netdev", "user,id=n0", "-qmp", "unix:/run/xsnap/qemu/web01.qmp,server=on,wait=off",
                "-pidfile", "/run/xsnap/qemu/web01.pid", "-daemonize", "-drive", "id=xvda,file=/img/a.qcow2,format=qcow2");
        int[] n = {0};
        List<String> argv = QemuArgv.forClone(source, "app1", Path.of("/run/xsnap/qemu"), () -> "02:00:00:00:00:0" + ++n[0],
                "99999999-2222-3333-4444-555555555555");
        assertEquals(List.of("qemu-system-x86_64", "-name", "app1,debug-threads=on", "-uuid",
                "99999999-2222-3333-4444-555555555555", "-device", "virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01",
                "-net", "nic,model=e1000,mac=02:00:00:00:00:02", "-netdev", "user,id=n0",
                "-drive", "id=xvda,file=/img/a.qcow2,format=qcow2"), argv);
    }

    @Test
    void freshMacsAreUnicastAndLocallyAdministered() {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 100; i++) {
            int first = Integer.parseInt(QemuDriver.freshMac(r).substring(0, 2), 16);
            assertEquals(2, first & 0x03, "unicast, locally administered: " + Integer.toHexString(first));
        }
    }

    /**
     * The one allowed difference between a stored restart recipe and the command line the driver observed: the
     * driver's own options and the file and format of each drive with an id. Anything else is a difference.
     */
    @Test
    void aStoredCommandLineMayDifferOnlyInDriveFilesAndTheDriversOwnOptions() {
        List<String> restarted = QemuArgv.forDaemon(QemuArgv.withDrive(QemuArgv.withDrive(RUNNING, "vda",
                Path.of("/store/web01/layers/vda.3.qcow2"), "qcow2"), "vdb", Path.of("/store/web01/layers/vdb.1.qcow2"),
                "qcow2"), "web01", DIR, "exec:cat '/store/web01/s1/memory.save'", true);
        assertNull(QemuArgv.difference(restarted, RUNNING, "web01", DIR));
        assertNull(QemuArgv.difference(RUNNING, restarted, "web01", DIR));
        java.util.function.UnaryOperator<List<String>> another = a -> {
            List<String> b = new java.util.ArrayList<>(a);
            b.set(0, "/tmp/not-qemu");
            return b;
        };
        assertEquals("argument 0 is '/tmp/not-qemu' where the domain ran with 'qemu-system-x86_64'",
                QemuArgv.difference(RUNNING, another.apply(RUNNING), "web01", DIR));
        List<String> extraDevice = new java.util.ArrayList<>(RUNNING);
        extraDevice.addAll(List.of("-device", "virtio-rng-pci"));
        assertEquals("argument 13 is '-device' where the domain ran with nothing",
                QemuArgv.difference(RUNNING, extraDevice, "web01", DIR));
        // a drive's other keys, a drive without an id, a monitor elsewhere: not the driver's to change
        List<String> cacheChanged = QemuArgv.withDrive(RUNNING, "vdb", Path.of("/img/b.raw"), "raw");
        cacheChanged = new java.util.ArrayList<>(cacheChanged);
        cacheChanged.set(17, cacheChanged.get(17).replace("cache=none", "cache=unsafe"));
        assertEquals("argument 12 is 'id=vdb,if=virtio,cache=unsafe' where the domain ran with "
                + "'id=vdb,if=virtio,cache=none'", QemuArgv.difference(RUNNING, cacheChanged, "web01", DIR));
        List<String> noId = new java.util.ArrayList<>(RUNNING);
        noId.addAll(List.of("-drive", "file=/img/x.raw,format=raw"));
        List<String> noIdMoved = new java.util.ArrayList<>(RUNNING);
        noIdMoved.addAll(List.of("-drive", "file=/etc/shadow,format=raw"));
        assertEquals("argument 14 is 'file=/etc/shadow,format=raw' where the domain ran with 'file=/img/x.raw,format=raw'",
                QemuArgv.difference(noId, noIdMoved, "web01", DIR));
        List<String> monitor = new java.util.ArrayList<>(RUNNING);
        monitor.set(10, "unix:/srv/other.sock,server=on,wait=off");
        assertEquals("argument 8 is 'unix:/srv/other.sock,server=on,wait=off' where the domain ran with "
                + "'unix:/srv/mgmt.sock,server=on,wait=off'", QemuArgv.difference(RUNNING, monitor, "web01", DIR));
    }
}
