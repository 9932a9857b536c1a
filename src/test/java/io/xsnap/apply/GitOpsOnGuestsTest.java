package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention over a simulated week, one-shot reverts and saved plans, on a real guest. */
class GitOpsOnGuestsTest extends OnGuests {
    static final long K64 = 64 * 1024;

    TestGuest guest;

    @BeforeEach
    void startGuest() {
        guest = lab.start("web01", Disk.qcow2("xvda", lab.createDisk("web01.qcow2", "qcow2", 8 << 20)));
    }

    private Path spec(String body) throws IOException {
        Path f = tmp.resolve("web01.yaml");
        Files.writeString(f, "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\n" + body);
        return f;
    }

    private List<String> stored() throws IOException {
        try (Stream<Path> s = Files.list(store.resolve("web01"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.equals("layers")).sorted().toList();
        }
    }

    @Test
    void aSimulatedWeekAndAHalfKeepsExactlySevenDailiesAndNothingElseIsTouched() throws IOException {
        ok(cli.host("create", "web01", "--name", "keep-me", "--disk-only"));
        ok(cli.host("create", "web01", "--name", "daily-manual", "--disk-only"));
        Path spec = spec("""
                snapshots: []
                retention:
                  - prefix: daily
                    every: 24h
                    keep: 7
                    disks: {xvda: internal}
                """);
        Instant day0 = Instant.parse("2026-11-01T02:00:00Z");
        for (int day = 0; day < 10; day++) {
            Instant now = day0.plus(Duration.ofDays(day));
            ok(cli.host("apply", "--auto-approve", "--now", now.toString(), spec.toString()));
            // a second run the same day (an hour later) has nothing to do
            Cli.Run again = cli.host("plan", "--detailed-exitcode", "--now", now.plus(Duration.ofHours(1)).toString(), spec.toString());
            assertEquals(0, again.code(), "day " + day + ": " + again);
            List<String> dailies = stored().stream().filter(n -> n.matches("daily-\\d{8}T\\d{6}Z")).toList();
            assertEquals(Math.min(day + 1, 7), dailies.size(), "day " + day + ": " + dailies);
        }
        List<String> all = stored();
        assertTrue(all.contains("keep-me") && all.contains("daily-manual"), "snapshots outside the rule stay: " + all);
        assertEquals("daily-20261104T020000Z", all.stream().filter(n -> n.matches("daily-\\d{8}T\\d{6}Z")).findFirst().orElseThrow(),
                "the three oldest went, oldest first");
        assertEquals("running", guest.status());
    }

    @Test
    void oneShotRevertRunsOncePerId() throws IOException {
        guest.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "pre-upgrade"));
        guest.write("xvda", 0x22, 0, K64);
        Path spec = spec("""
                snapshots:
                  - name: pre-upgrade
                revert:
                  to: pre-upgrade
                  id: CHG-1001
                  state: paused
                """);
        Cli.Run first = cli.host("apply", "--auto-approve", spec.toString());
        ok(first);
        assertTrue(first.out().contains("~ web01/pre-upgrade  [disruptive]"), first.out());
        TestGuest back = lab.guest("web01");
        assertEquals("paused", back.status());
        assertEquals("CHG-1001", Files.readString(store.resolve("web01/.reverts")).strip());
        ok(cli.host("revert", "--force", "--running", "web01", "pre-upgrade"));
        lab.guest("web01").write("xvda", 0x33, 0, K64);

        Cli.Run second = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(0, second.code(), "the same id does not ask again: " + second);
        Files.writeString(spec, Files.readString(spec).replace("CHG-1001", "CHG-1002"));
        Cli.Run third = cli.host("plan", "--detailed-exitcode", spec.toString());
        assertEquals(2, third.code(), "a new id asks again: " + third);
    }

    @Test
    void aSavedPlanAppliesUnchangedAndIsRefusedOnceTheHostChanged() throws IOException {
        Path spec = spec("""
                snapshots:
                  - name: nightly
                    memory: false
                """);
        Path saved = tmp.resolve("plan.json");
        Cli.Run plan = cli.host("plan", "--out", saved.toString(), spec.toString());
        ok(plan);
        // someone else takes a snapshot in between: the saved plan no longer describes the host
        ok(cli.host("create", "web01", "--name", "by-hand", "--disk-only"));
        Cli.Run refused = cli.host("apply", "--auto-approve", saved.toString());
        assertEquals(76, refused.code(), refused.toString());
        assertTrue(refused.err().contains("the host changed since the plan"), refused.err());
        assertTrue(!Files.exists(store.resolve("web01/nightly")), "nothing was applied");

        ok(cli.host("plan", "--out", saved.toString(), spec.toString()));
        Cli.Run applied = cli.host("apply", "--auto-approve", saved.toString());
        ok(applied);
        assertTrue(Files.exists(store.resolve("web01/nightly/snapshot.json")));
    }

    @Test
    void ciFlowPlansFromAStateFileWithoutTheHost() throws IOException {
        Path spec = spec("snapshots:\n  - name: nightly\n    memory: false\n");
        Cli.Run observe = cli.host("observe", "--json");
        ok(observe);
        Path state = tmp.resolve("state.json");
        Files.writeString(state, observe.out());
        lab.close();
        // the guest is gone; the state file still says what the host had
        Cli.Run plan = cli.host("plan", "--state", state.toString(), "--detailed-exitcode", "--format", "markdown", spec.toString());
        assertEquals(2, plan.code(), plan.toString());
        assertTrue(plan.out().startsWith("### xsnap plan: 1 to create, 0 to revert, 0 to delete"), plan.out());
        assertTrue(plan.out().contains("| + create | `web01/nightly` | safe |"), plan.out());
    }

    /** A rule whose new snapshot and prunes touch the same external chain in one plan, day after day. */
    @Test
    void externalRetentionCreatesAndPrunesInOneApplyAndEveryKeptSnapshotReverts() throws IOException {
        lab.close();
        guest = lab.start("web01", Disk.raw("xvdb", lab.createDisk("data.raw", "raw", 8 << 20)));
        Path spec = spec("""
                snapshots: []
                retention:
                  - prefix: daily
                    every: 24h
                    keep: 2
                    disks: {xvdb: external}
                """);
        Instant day0 = Instant.parse("2026-11-01T02:00:00Z");
        for (int day = 0; day < 4; day++) {
            lab.guest("web01").write("xvdb", 0x10 + day, 0, K64);
            Cli.Run r = cli.host("apply", "--auto-approve", "--now", day0.plus(Duration.ofDays(day)).toString(), spec.toString());
            ok(r);
        }
        lab.guest("web01").write("xvdb", 0x99, 0, K64);
        assertEquals(List.of("daily-20261103T020000Z", "daily-20261104T020000Z"), stored());
        lab.guest("web01").assertReads("xvdb", 0x99, 0, K64);
        ok(cli.host("revert", "--force", "web01", "daily-20261103T020000Z"));
        lab.guest("web01").assertReads("xvdb", 0x12, 0, K64);
        ok(cli.host("revert", "--force", "web01", "daily-20261104T020000Z"));
        lab.guest("web01").assertReads("xvdb", 0x13, 0, K64);
    }
}
