package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault injection on real guests: xsnap (a separate JVM) is stopped at a step boundary of create (memory and
 * disk-only; internal qcow2 and external raw disks), revert or delete and killed with SIGKILL; then
 * {@code apply} runs again. It must converge (a second plan is empty, the journal has nothing open), leave
 * no domain paused, keep the active disks' bytes, and every complete snapshot must revert to its exact bytes.
 * docs/reliability.md lists the kill points with what each checks.
 */
class KillPointsOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;
    static final List<String> DISKS = List.of("xvda", "xvdb");


    enum Scenario { CREATE_MEMORY, CREATE_DISK_ONLY, REVERT, DELETE }

    /** Every kill point: the scenario and the journal step xsnap is killed at (just before that step runs). */
    static Stream<Arguments> killPoints() {
        return Stream.of(
                Arguments.of(Scenario.CREATE_MEMORY, "begin"),
                Arguments.of(Scenario.CREATE_MEMORY, "mkdir"),
                Arguments.of(Scenario.CREATE_MEMORY, "overlay"),
                Arguments.of(Scenario.CREATE_MEMORY, "pause"),
                Arguments.of(Scenario.CREATE_MEMORY, "save"),
                Arguments.of(Scenario.CREATE_MEMORY, "cut-done"),
                Arguments.of(Scenario.CREATE_MEMORY, "resume"),
                Arguments.of(Scenario.CREATE_MEMORY, "manifest"),
                Arguments.of(Scenario.CREATE_MEMORY, "current"),
                Arguments.of(Scenario.CREATE_DISK_ONLY, "cut"),
                Arguments.of(Scenario.CREATE_DISK_ONLY, "cut-done"),
                Arguments.of(Scenario.CREATE_DISK_ONLY, "manifest"),
                Arguments.of(Scenario.REVERT, "stop"),
                Arguments.of(Scenario.REVERT, "apply-tag"),
                Arguments.of(Scenario.REVERT, "new-layer"),
                Arguments.of(Scenario.REVERT, "start"),
                Arguments.of(Scenario.REVERT, "started"),
                Arguments.of(Scenario.REVERT, "remove"),
                Arguments.of(Scenario.DELETE, "delete-tag"),
                Arguments.of(Scenario.DELETE, "merge"),
                Arguments.of(Scenario.DELETE, "merged"),
                Arguments.of(Scenario.DELETE, "remove"),
                Arguments.of(Scenario.DELETE, "done"));
    }

    @ParameterizedTest(name = "{0} killed at {1}")
    @MethodSource("killPoints")
    void killedAtAStepBoundaryThenApplyConverges(Scenario scenario, String killAt) throws IOException {
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("root.qcow2", "qcow2", 16 * MIB)),
                Disk.raw("xvdb", lab.createDisk("data.raw", "raw", 8 * MIB)));
        write(g, 0x11);
        Path present = spec("memory: " + (scenario != Scenario.CREATE_DISK_ONLY), "present");
        Path absent = spec("memory: true", "absent");
        switch (scenario) {
            case CREATE_MEMORY, CREATE_DISK_ONLY -> {
                killed(killAt, "apply", "--auto-approve", present.toString());
                converge(present);
                assertBytes(0x11, "the disks hold what the guest wrote");
                write(lab.guest("web01"), 0x22);
                ok(cli.host("revert", "--force", "web01", "s1"));
                assertBytes(0x11, "s1 reverts to its exact bytes");
            }
            case REVERT -> {
                ok(cli.host("apply", "--auto-approve", present.toString()));
                write(g, 0x22);
                killed(killAt, "revert", "--force", "web01", "s1");
                converge(present);
                if (killAt.equals("stop")) {
                    assertBytes(0x22, "the revert never stopped the guest: it runs on, untouched");
                    ok(cli.host("revert", "--force", "web01", "s1"));
                }
                assertBytes(0x11, "the interrupted revert was finished: s1's exact bytes");
            }
            case DELETE -> {
                ok(cli.host("apply", "--auto-approve", present.toString()));
                write(g, 0x22);
                killed(killAt, "apply", "--auto-approve", absent.toString());
                converge(absent);
                assertBytes(0x22, "deleting s1 kept every byte of the running disks");
                assertFalse(Files.exists(store.resolve("web01/s1")), "s1 is gone");
                try (Stream<Path> layers = Files.list(store.resolve("web01/layers"))) {
                    assertEquals(List.of(), layers.toList(), "s1's overlay was merged back and removed");
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /**
     * A crash inside the save itself, after QEMU cut the disks but before xsnap wrote {@code cut-done}: the
     * memory file cannot be trusted, so recovery undoes the cut (deletes the internal snapshot through QMP,
     * commits the active overlay back with a live block-commit) and apply takes the snapshot again.
     */
    @org.junit.jupiter.api.Test
    void aCutThatEndedUnrecordedIsUndoneLiveThenApplyConverges() throws IOException {
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("root.qcow2", "qcow2", 16 * MIB)),
                Disk.raw("xvdb", lab.createDisk("data.raw", "raw", 8 * MIB)));
        write(g, 0x11);
        Path present = spec("memory: true", "present");
        killed("cut-done", "apply", "--auto-approve", present.toString());
        Path journal = store.resolve(".journal");
        List<String> lines = Files.readAllLines(journal);
        Files.write(journal, lines.stream().filter(l -> !l.contains("\"step\":\"cut-done\"")).toList());
        assertEquals(lines.size() - 1, Files.readAllLines(journal).size());
        Cli.Run plan = cli.host("plan", present.toString());
        assertTrue(plan.out().contains("undo the interrupted create") && plan.out().contains("live block-commit"), plan.out());
        converge(present);
        assertBytes(0x11, "undoing the cut kept every byte the guest wrote");
        write(lab.guest("web01"), 0x22);
        ok(cli.host("revert", "--force", "web01", "s1"));
        assertBytes(0x11, "the snapshot taken again reverts to its exact bytes");
    }

    /**
     * A crash while QEMU runs the merge of a delete: the block job outlives xsnap. Recovery completes the job
     * it finds (QEMU then writes the frozen file), sees the merge ended, and removes the listed files.
     */
    @org.junit.jupiter.api.Test
    void aMergeJobLeftRunningInQemuIsCompletedByRecovery() throws IOException {
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("root.qcow2", "qcow2", 16 * MIB)),
                Disk.raw("xvdb", lab.createDisk("data.raw", "raw", 8 * MIB)));
        write(g, 0x11);
        ok(cli.host("apply", "--auto-approve", spec("memory: true", "present").toString()));
        write(g, 0x22);
        Path absent = spec("memory: true", "absent");
        killed("merge", "apply", "--auto-approve", absent.toString());
        try (var qmp = g.qmp()) {
            qmp.execute("block-commit", io.xsnap.host.qmp.QmpClient.args().put("job-id", "xsnap-commit-xvdb-left")
                    .put("device", "xvdb").put("base", tmp.resolve("data.raw").toString()).put("auto-dismiss", false));
        }
        Cli.Run again = cli.host("apply", "--auto-approve", absent.toString());
        ok(again);
        assertTrue(again.err().contains("has left the chain already"), again.toString());
        converge(absent);
        assertBytes(0x22, "the merge kept every byte of the running disks");
        try (Stream<Path> layers = Files.list(store.resolve("web01/layers"))) {
            assertEquals(List.of(), layers.toList());
        }
    }

    private void killed(String killAt, String... args) {
        XsnapProcess.Run run = xsnap.run(killAt, args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
        assertEquals(137, run.code(), run.toString());
    }

    /** apply again: it succeeds, nothing is left paused or open, and a second plan is empty. */
    private void converge(Path spec) {
        Cli.Run again = cli.host("apply", "--auto-approve", spec.toString());
        ok(again);
        assertEquals("running", lab.guest("web01").status(), "no domain is left paused: " + again);
        Cli.Run plan = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(0, plan.code(), "apply converged: " + again + "\n" + plan);
        Journal journal = new Journal(store.resolve(".journal"), Json.mapper());
        assertEquals(List.of(), journal.interrupted(), "nothing is open in the journal");
        assertEquals(List.of(), journal.pausedAndNotResumed());
        assertPrivate(store);
    }

    /** Every directory in the store is 0700 and every file 0600, whichever tool made it. */
    static void assertPrivate(Path store) {
        try (Stream<Path> all = Files.walk(store)) {
            for (Path p : all.toList()) {
                String want = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                assertEquals(want, java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)), p.toString());
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void write(TestGuest g, int pattern) {
        for (String vdev : DISKS) {
            g.write(vdev, pattern, 0, K64);
        }
    }

    private void assertBytes(int pattern, String why) {
        TestGuest g = lab.guest("web01");
        for (String vdev : DISKS) {
            assertTrue(g.reads(vdev, pattern, 0, K64), why + ": " + vdev + " reads 0x" + Integer.toHexString(pattern));
        }
    }

    private Path spec(String memory, String state) throws IOException {
        Path f = tmp.resolve("spec-" + state + ".yaml");
        Files.writeString(f, """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: s1
                    state: %s
                    %s
                """.formatted(state, memory));
        return f;
    }
}
