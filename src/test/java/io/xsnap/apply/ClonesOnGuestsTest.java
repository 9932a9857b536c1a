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

    /**
     * The spec form, as a GitOps repository holds it: the source's snapshot, a clone of it and the clone's own
     * snapshot in one apply; later the clone's snapshot, then the clone and the source's snapshot, in two more.
     */
    @Test
    void aDomainCloneSpecIsMadeWithTheSnapshotItNeedsAndTheCloneSnapshotsInOneApply() throws Exception {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest web01 = lab.start("web01", List.of(Disk.qcow2("xvda", base)), List.of());
        web01.write("xvda", 0x11, 0, K64);
        Path web01Spec = tmp.resolve("specs/web01.yaml");
        Path app1Spec = tmp.resolve("specs/app1.yaml");
        Files.createDirectories(web01Spec.getParent());
        Files.writeString(web01Spec, """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: gold
                    memory: false
                    disks: {xvda: external}
                """);
        String clone = """
                apiVersion: xsnap/v1
                kind: DomainClone
                domain: app1
                from: {domain: web01, snapshot: gold}
                start: running
                state: %s
                """;
        String app1Snapshots = """
                ---
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: app1
                snapshots:
                  - name: first
                    memory: false
                    state: %s
                """;
        Files.writeString(app1Spec, clone.formatted("present") + app1Snapshots.formatted("present"));
        Path specs = web01Spec.getParent();

        Cli.Run plan = cli.host("plan", specs.toString());
        ok(plan);
        assertTrue(plan.out().contains("Plan: 2 to create") && plan.out().contains("app1/gold"), plan.out());
        Cli.Run apply = cli.host("apply", "--auto-approve", specs.toString());
        ok(apply);
        assertTrue(apply.out().contains("Apply complete: 3 of 3 changes done."), apply.out());
        assertEquals(0, cli.host("plan", "--detailed-exitcode", specs.toString()).code(), "nothing left to do");

        TestGuest app1 = lab.guest("app1");
        assertEquals("running", app1.status());
        app1.assertReads("xvda", 0x11, 0, K64);
        app1.write("xvda", 0x22, 0, K64);
        web01.write("xvda", 0x33, K64, K64);
        web01.assertReads("xvda", 0x11, 0, K64);
        app1.assertReads("xvda", 0x00, K64, K64);
        assertTrue(Files.exists(store.resolve("app1/first/snapshot.json")));

        Files.writeString(app1Spec, clone.formatted("absent") + app1Snapshots.formatted("present"));
        Cli.Run refused = cli.host("plan", specs.toString());
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("clone app1 has snapshots of its own: first"), refused.out());

        Files.writeString(app1Spec, clone.formatted("present") + app1Snapshots.formatted("absent"));
        ok(cli.host("apply", "--auto-approve", specs.toString()));
        Files.writeString(app1Spec, clone.formatted("absent"));
        Files.writeString(web01Spec, Files.readString(web01Spec) + "    state: absent\n");
        Cli.Run both = cli.host("apply", "--auto-approve", specs.toString());
        ok(both);
        assertTrue(both.out().indexOf("delete-clone app1") < both.out().indexOf("delete web01/gold"), both.out());
        try (java.util.stream.Stream<Path> left = Files.exists(store.resolve("app1")) ? Files.walk(store.resolve("app1"))
                : java.util.stream.Stream.empty()) {
            assertEquals(List.of(), left.skip(1).toList(), "the clone is gone: " + both.out());
        }
        assertFalse(Files.exists(store.resolve("web01/gold")), "and the snapshot it was made from");
        web01.assertReads("xvda", 0x11, 0, K64);
        web01.assertReads("xvda", 0x33, K64, K64);
    }
}
