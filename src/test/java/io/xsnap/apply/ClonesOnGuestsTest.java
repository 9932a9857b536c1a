package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clones of one snapshot on real guests: they boot from the shared frozen file and diverge without touching it. */
class ClonesOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @Test
    void threeClonesOfOneSnapshotDivergeAndDeletingOneLeavesTheOthersAndTheSourceIntact() throws Exception {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest web01 = lab.start("web01", List.of(Disk.qcow2("xvda", base)),
                List.of("-uuid", "11111111-2222-3333-4444-555555555555", "-device", "e1000,mac=52:54:00:12:34:56,netdev=n0",
                        "-netdev", "user,id=n0"));
        web01.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "gold", "--disk-only", "--disk", "xvda=external"));
        Path frozen = base;
        String frozenBefore = Digests.sha256(frozen);
        web01.write("xvda", 0x55, K64, K64);

        int[] patterns = {0x21, 0x22, 0x23};
        for (int i = 0; i < 3; i++) {
            Cli.Run clone = cli.host("clone", "web01", "gold", "--to", "app" + i, "--start");
            ok(clone);
            assertTrue(clone.out().contains("> app" + i + "/gold"), clone.out());
        }
        for (int i = 0; i < 3; i++) {
            TestGuest g = lab.guest("app" + i);
            assertEquals("running", g.status());
            g.assertReads("xvda", 0x11, 0, K64);
            g.assertReads("xvda", 0x00, K64, K64);
            g.write("xvda", patterns[i], 2 * K64, K64);
        }
        String argv = String.join(" ", Files.readAllLines(Path.of("/proc", Long.toString(lab.guest("app1").pid()), "cmdline"))
                .get(0).split("\0"));
        assertTrue(argv.contains("-name app1") && argv.contains(store.resolve("app1/layers/xvda.1.qcow2").toString()), argv);
        assertFalse(argv.contains("52:54:00:12:34:56") || argv.contains("11111111-2222"), "fresh MAC and UUID: " + argv);

        Cli.Run list = cli.host("list");
        assertTrue(list.out().contains("web01/gold is used by app0, app1, app2"), list.out());

        Cli.Run refused = cli.host("delete", "web01", "gold");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("clone app0, clone app1, clone app2") && refused.out().contains("xsnap delete-clone app0"),
                refused.out());
        assertTrue(Files.exists(store.resolve("web01/gold/snapshot.json")));

        Cli.Run del = cli.host("delete-clone", "app1");
        ok(del);
        assertFalse(Files.exists(store.resolve("app1")), "the clone's overlays, record and directory are gone");
        assertFalse(Files.exists(lab.qemuDir().resolve("app1.pid")), "app1 was destroyed");
        assertEquals(frozenBefore, Digests.sha256(frozen), "the shared frozen file never changed (invariant 1)");
        lab.guest("app0").assertReads("xvda", 0x21, 2 * K64, K64);
        lab.guest("app2").assertReads("xvda", 0x23, 2 * K64, K64);
        lab.guest("app2").assertReads("xvda", 0x11, 0, K64);
        web01.assertReads("xvda", 0x11, 0, K64);
        web01.assertReads("xvda", 0x55, K64, K64);
        web01.assertReads("xvda", 0x00, 2 * K64, K64);

        ok(cli.host("delete-clone", "app0"));
        ok(cli.host("delete-clone", "app2"));
        ok(cli.host("delete", "web01", "gold"));
        web01.assertReads("xvda", 0x55, K64, K64);
    }

    @Test
    void aCloneOfAnInternalMemorySnapshotResumesFromItsMemoryOnACopySharedByLaterClones() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest web01 = lab.start("web01", Disk.qcow2("xvda", base));
        web01.write("xvda", 0x31, 0, K64);
        ok(cli.host("create", "web01", "--name", "warm", "--disk", "xvda=internal"));
        web01.write("xvda", 0x32, 0, K64);

        ok(cli.host("clone", "web01", "warm", "--to", "c1", "--start", "--paused"));
        Path copy = store.resolve("web01/warm/xvda.frozen.qcow2");
        assertTrue(Files.exists(copy));
        TestGuest c1 = lab.guest("c1");
        assertEquals("paused", c1.status(), "resumed from the snapshot's memory, left paused");
        c1.assertReads("xvda", 0x31, 0, K64);
        Cli.Run second = cli.host("clone", "web01", "warm", "--to", "c2");
        ok(second);
        assertFalse(second.out().contains("qemu-img convert"), "the frozen copy is made once: " + second.out());
        assertTrue(cli.host("list").out().contains("web01/warm is used by c1, c2"));
        web01.assertReads("xvda", 0x32, 0, K64);

        assertEquals(1, cli.host("delete", "web01", "warm").code());
        ok(cli.host("delete-clone", "c1"));
        ok(cli.host("delete-clone", "c2"));
        ok(cli.host("delete", "web01", "warm"));
        assertFalse(Files.exists(copy), "the frozen copy goes with the snapshot once no clone uses it");
    }
}
