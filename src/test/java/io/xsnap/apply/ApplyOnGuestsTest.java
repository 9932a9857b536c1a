package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The whole engine through the CLI, on real QEMU guests: apply, create, revert, delete, list. */
class ApplyOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    private TestGuest guest(String name) {
        Path root = lab.createDisk(name + "-root.qcow2", "qcow2", 16 * MIB);
        Path data = lab.createDisk(name + "-data.raw", "raw", 8 * MIB);
        return lab.start(name, Disk.qcow2("xvda", root), Disk.raw("xvdb", data));
    }

    private Path spec(String text) throws IOException {
        Path f = tmp.resolve("spec-" + System.nanoTime() + ".yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void applyTakesAMemorySnapshotAndASecondPlanIsEmpty() throws IOException {
        TestGuest g = guest("web01");
        g.write("xvda", 0x11, 0, K64);
        Path spec = spec("""
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: pre-upgrade
                """);
        Cli.Run plan = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(2, plan.code(), plan.toString());
        assertTrue(plan.out().contains("+ web01/pre-upgrade"), plan.out());

        Cli.Run apply = cli.host("apply", "--auto-approve", spec.toString());
        ok(apply);
        assertTrue(apply.out().matches("(?s).*domain paused \\d+ ms.*"), apply.out());

        Path dir = store.resolve("web01/pre-upgrade");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("memory.save"))));
        assertTrue(Files.exists(dir.resolve("snapshot.json")));
        assertEquals("running", g.status(), "a running guest is resumed after the snapshot");
        assertTrue(Files.exists(store.resolve("web01/layers/xvdb.1.qcow2")), "the raw disk got an external overlay");

        Cli.Run again = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("No changes."), again.out());
        Cli.Run applyAgain = cli.host("apply", "--auto-approve", spec.toString());
        ok(applyAgain);
        assertTrue(applyAgain.out().contains("No changes."), applyAgain.out());
    }

    /** The "Done when" story: create, write, create, write, delete the first, revert the second. */
    @Test
    void revertToTheSecondSnapshotAfterDeletingTheFirstGivesItsExactBytes() {
        TestGuest g = guest("web01");
        g.write("xvda", 0x11, 0, K64);
        g.write("xvdb", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "first"));
        g.write("xvda", 0x22, 0, K64);
        g.write("xvdb", 0x22, 0, K64);
        ok(cli.host("create", "web01", "--name", "second"));
        g.write("xvda", 0x33, 0, K64);
        g.write("xvdb", 0x33, 0, K64);
        ok(cli.host("delete", "web01", "first"));
        assertEquals("running", g.status());
        g.assertReads("xvda", 0x33, 0, K64);
        g.assertReads("xvdb", 0x33, 0, K64);

        Cli.Run refused = cli.host("revert", "web01", "second");
        assertEquals(76, refused.code(), "a running domain's state is lost only with --force: " + refused);
        ok(cli.host("revert", "--force", "web01", "second"));
        TestGuest back = lab.guest("web01");
        assertEquals("running", back.status(), "the snapshot was taken running");
        back.assertReads("xvda", 0x22, 0, K64);
        back.assertReads("xvdb", 0x22, 0, K64);

        Cli.Run list = cli.host("list", "web01");
        ok(list);
        assertTrue(list.out().contains("* second"), list.out());
        assertFalse(list.out().contains("first"), list.out());
    }

    @Test
    void diskOnlySnapshotRevertsToAColdStartLeftPausedOnRequest() {
        TestGuest g = guest("db01");
        g.write("xvda", 0x44, 0, K64);
        ok(cli.host("create", "db01", "--name", "cold", "--disk-only"));
        g.write("xvda", 0x55, 0, K64);
        Cli.Run plan = cli.host("revert", "--force", "--paused", "db01", "cold");
        ok(plan);
        assertTrue(plan.out().contains("cold-start db01"), plan.out());
        TestGuest back = lab.guest("db01");
        assertEquals("paused", normal(back.status()));
    }

    private static String normal(String qemuStatus) {
        return qemuStatus.equals("prelaunch") ? "paused" : qemuStatus;
    }

    @Test
    void liveSnapshotKeepsTheGuestRunningAndRevertsToItsState() {
        TestGuest g = guest("app");
        g.write("xvda", 0x61, 0, K64);
        Cli.Run create = cli.host("create", "app", "--name", "live1", "--live");
        ok(create);
        assertEquals("running", g.status());
        g.write("xvda", 0x62, 0, K64);
        ok(cli.host("revert", "--force", "app", "live1"));
        lab.guest("app").assertReads("xvda", 0x61, 0, K64);
    }

    @Test
    void lockHeldByAnotherRunExits75() throws IOException {
        guest("web01");
        try (HostLock held = HostLock.acquire(store.resolve(".lock"), java.time.Duration.ofSeconds(1))) {
            Cli.Run r = cli.host("create", "--lock-timeout", "1s", "web01", "--name", "x");
            assertEquals(75, r.code(), r.toString());
            assertTrue(r.err().contains("another xsnap run holds"), r.err());
        }
        assertFalse(Files.exists(store.resolve("web01/x")), "nothing was done while the lock was held");
    }

    @Test
    void aDomainLeftPausedByACrashedRunIsResumedByTheNextRun() {
        TestGuest g = guest("web01");
        try (var qmp = g.qmp()) {
            qmp.execute("stop");
        }
        new Journal(store.resolve(".journal"), io.xsnap.observe.Json.mapper())
                .append(new Journal.Entry("web01/x", Journal.Steps.PAUSE, "web01", "qemu", "resume"));
        Cli.Run r = cli.host("delete", "web01", "nothing-here");
        assertTrue(r.err().contains("recovery: resuming web01"), r.toString());
        assertEquals("running", g.status());
    }
}
