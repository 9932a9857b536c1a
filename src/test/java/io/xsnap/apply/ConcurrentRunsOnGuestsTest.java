package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real apply processes on one store at once (invariant 6): one waits or exits 75; all ends consistent. */
@GuestTest
class ConcurrentRunsOnGuestsTest {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @TempDir
    Path tmp;
    GuestLab lab;
    Cli cli;
    Path store;
    XsnapProcess xsnap;
    Path spec;
    TestGuest guest;

    @BeforeEach
    void lab() throws IOException {
        lab = new GuestLab(tmp);
        store = tmp.resolve("store");
        cli = new Cli(store, lab.qemuDir());
        xsnap = new XsnapProcess(store, lab.qemuDir(), tmp);
        guest = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("root.qcow2", "qcow2", 16 * MIB)),
                Disk.raw("xvdb", lab.createDisk("data.raw", "raw", 8 * MIB)));
        guest.write("xvda", 0x11, 0, K64);
        guest.write("xvdb", 0x11, 0, K64);
        spec = tmp.resolve("web01.yaml");
        Files.writeString(spec, """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: s1
                  - name: s2
                    memory: false
                """);
    }

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    @Test
    void twoApplyRunsAtOnceTheSecondWaitsThenFindsNothingToDo() {
        XsnapProcess.Started a = xsnap.start(null, "apply", "--auto-approve", spec.toString());
        XsnapProcess.Started b = xsnap.start(null, "apply", "--auto-approve", spec.toString());
        XsnapProcess.Run ra = a.await();
        XsnapProcess.Run rb = b.await();
        assertEquals(0, ra.code(), ra.toString());
        assertEquals(0, rb.code(), rb.toString());
        String both = ra.out() + rb.out();
        assertEquals(1, count(both, "Apply complete: 2 of 2 changes done."), "one run made both snapshots:\n" + ra + rb);
        assertEquals(1, count(both, "No changes."), "the other waited for the lock, then found nothing to do");
        assertConsistent();
    }

    @Test
    void aRunThatCannotWaitExits75AndTheStoreEndsConsistent() {
        // the first run stops while it holds the lock (mid-create, the disks just cut) ...
        XsnapProcess.Started first = xsnap.start("cut-done", "apply", "--auto-approve", spec.toString());
        first.awaitStopped();
        // ... a second run at the same time gives up after its lock timeout
        XsnapProcess.Run second = xsnap.run(null, "apply", "--auto-approve", "--lock-timeout", "1s", spec.toString());
        assertEquals(75, second.code(), second.toString());
        assertTrue(second.err().contains("another xsnap run holds"), second.err());
        // the first is killed where it stood; the next run recovers and finishes
        assertEquals(137, first.await().code());
        Cli.Run next = cli.host("apply", "--auto-approve", spec.toString());
        assertEquals(0, next.code(), next.toString());
        assertConsistent();
    }

    private void assertConsistent() {
        Cli.Run plan = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(0, plan.code(), plan.toString());
        assertEquals("running", lab.guest("web01").status());
        assertTrue(Files.isRegularFile(store.resolve("web01/s1/snapshot.json")));
        assertTrue(Files.isRegularFile(store.resolve("web01/s2/snapshot.json")));
        assertEquals(List.of(), new Journal(store.resolve(".journal"), Json.mapper()).interrupted());
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        lab.guest("web01").assertReads("xvdb", 0x11, 0, K64);
        KillPointsOnGuestsTest.assertPrivate(store);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
