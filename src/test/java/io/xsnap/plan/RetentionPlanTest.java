package io.xsnap.plan;

import static io.xsnap.plan.Fixtures.disk;
import static io.xsnap.plan.Fixtures.internal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RunState;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.RetentionRule;
import io.xsnap.spec.RevertRequest;
import io.xsnap.spec.SourceRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetentionPlanTest {
    static final RetentionRule DAILY = new RetentionRule("daily", Duration.ofHours(24), 3, null, false, false, Map.of(),
            new SourceRef("spec.yaml", 6, 5));

    private static Desired spec(RetentionRule... rules) {
        return new Desired(List.of(new DomainSpec("web01", List.of(), new SourceRef("spec.yaml", 1, 1), Optional.empty(),
                List.of(rules), Optional.empty())));
    }

    private static Fixtures host(String... snapshots) {
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, snapshots);
        for (String s : snapshots) {
            f.stored("web01", s, false, internal("xvda", "/img/a.qcow2", s));
        }
        return f;
    }

    private static Plan plan(Fixtures f, Instant now, RetentionRule... rules) {
        return new Planner(Fixtures.STORE, now).plan(spec(rules), f.actual());
    }

    @Test
    void createsTheFirstSnapshotNamedAfterTheTime() {
        Plan p = plan(host(), Instant.parse("2026-11-26T03:00:00Z"), DAILY);
        assertEquals(List.of("web01/daily-20261126T030000Z"), p.changes().stream().map(Change::address).toList());
        assertTrue(p.changes().get(0).reason().contains("no snapshot of this rule yet"));
        assertEquals(Impact.SAFE, p.changes().get(0).impact(), "retention is disk-only by default");
    }

    @Test
    void createsOnlyWhenTheNewestIsOlderThanEvery() {
        Fixtures f = host("daily-20261125T030000Z");
        assertTrue(plan(f, Instant.parse("2026-11-26T02:59:59Z"), DAILY).changes().isEmpty());
        Plan due = plan(f, Instant.parse("2026-11-26T03:00:00Z"), DAILY);
        assertEquals("daily-20261126T030000Z", due.changes().get(0).snapshot());
        assertTrue(due.changes().get(0).reason().contains("newest daily-20261125T030000Z is 1d old, every 1d"),
                due.changes().get(0).reason());
    }

    @Test
    void deletesBeyondKeepOldestFirstCountingTheNewOne() {
        Fixtures f = host("daily-20261122T000000Z", "daily-20261123T000000Z", "daily-20261124T000000Z", "daily-20261125T000000Z");
        Plan p = plan(f, Instant.parse("2026-11-26T00:00:00Z"), DAILY);
        assertEquals(List.of("web01/daily-20261126T000000Z", "web01/daily-20261122T000000Z", "web01/daily-20261123T000000Z"),
                p.changes().stream().map(Change::address).toList());
        assertTrue(p.changes().get(1).reason().contains("daily-20261122T000000Z is the 5th newest of keep 3"),
                p.changes().get(1).reason());
        assertTrue(p.changes().get(2).reason().contains("is the 4th newest of keep 3"));
    }

    @Test
    void maxAgeDeletesOldOnesEvenWithinKeep() {
        RetentionRule rule = new RetentionRule("daily", Duration.ofHours(24), 10, Duration.ofDays(2), false, false,
                Map.of(), DAILY.source());
        Fixtures f = host("daily-20261120T000000Z", "daily-20261125T120000Z");
        Plan p = plan(f, Instant.parse("2026-11-26T00:00:00Z"), rule);
        assertEquals(List.of("web01/daily-20261120T000000Z"), p.changes().stream().map(Change::address).toList());
        assertTrue(p.changes().get(0).reason().contains("is 6d old, maxAge 2d"), p.changes().get(0).reason());
    }

    /** Retention deletes a snapshot whose memory a cfgfile put outside the store as delete does: the file goes too. */
    @Test
    void aDeletedSnapshotsMemoryFileOutsideTheStoreIsListedAmongWhatItRemoves() {
        RetentionRule rule = new RetentionRule("daily", Duration.ofHours(24), 10, Duration.ofDays(2), false, false,
                Map.of(), DAILY.source());
        String old = "daily-20261120T000000Z";
        Fixtures f = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 1, old)
                .storedWithMemoryAt("web01", old, "/var/lib/xen/snapshots/web01/old.save", internal("xvda", "/img/a.qcow2", old));
        Plan p = plan(f, Instant.parse("2026-11-26T00:00:00Z"), rule);
        Change c = p.changes().stream().filter(x -> x.action() == Action.DELETE).findFirst().orElseThrow();
        assertEquals(List.of(java.nio.file.Path.of("/var/lib/xen/snapshots/web01/old.save"),
                Fixtures.STORE.manifest("web01", old), Fixtures.STORE.snapshotDir("web01", old)), c.removes());
        assertTrue(c.steps().contains("remove the memory file /var/lib/xen/snapshots/web01/old.save (outside the store, "
                + "where the snapshot's cfgfile put it)"), c.steps().toString());
    }

    @Test
    void neverTouchesASnapshotTheRuleDidNotMake() {
        Fixtures f = host("daily-manual", "daily-2026", "weekly-20261101T000000Z", "pre-upgrade",
                "daily-20261101T000000Z", "daily-20261102T000000Z", "daily-20261103T000000Z", "daily-20261104T000000Z");
        Plan p = plan(f, Instant.parse("2026-11-26T00:00:00Z"), DAILY);
        List<String> deleted = p.changes().stream().filter(c -> c.action() == Action.DELETE).map(Change::snapshot).toList();
        assertEquals(List.of("daily-20261101T000000Z", "daily-20261102T000000Z"), deleted);
    }

    @Test
    void oneShotRevertRunsOncePerId() {
        RevertRequest r = new RevertRequest("pre-upgrade", "TICKET-1", "paused", new SourceRef("spec.yaml", 9, 3));
        Desired d = new Desired(List.of(new DomainSpec("web01", List.of(), new SourceRef("spec.yaml", 1, 1),
                Optional.empty(), List.of(), Optional.of(r))));
        Fixtures f = host("pre-upgrade");
        Plan p = new Planner(Fixtures.STORE, Fixtures.NOW).plan(d, f.actual());
        assertEquals(1, p.changes().size(), p.findings().toString());
        Change c = p.changes().get(0);
        assertEquals(Action.REVERT, c.action());
        assertEquals(Impact.DISRUPTIVE, c.impact());
        assertEquals("TICKET-1", c.requestId());
        assertEquals("paused", c.runAfter());

        var a = f.actual();
        var applied = new io.xsnap.observe.Actual(a.driver(), a.domains(), a.images(), a.snapshots(), a.incomplete(),
                a.problems(), List.of("web01/TICKET-1"));
        assertTrue(new Planner(Fixtures.STORE, Fixtures.NOW).plan(d, applied).changes().isEmpty());
    }

    @Test
    void oneShotRevertToAMissingSnapshotIsAnError() {
        RevertRequest r = new RevertRequest("nope", "1", null, new SourceRef("spec.yaml", 9, 3));
        Desired d = new Desired(List.of(new DomainSpec("web01", List.of(), new SourceRef("spec.yaml", 1, 1),
                Optional.empty(), List.of(), Optional.of(r))));
        Plan p = new Planner(Fixtures.STORE, Fixtures.NOW).plan(d, host().actual());
        assertTrue(p.hasErrors());
        assertTrue(p.findings().get(0).message().contains("revert (spec.yaml:9:3) names snapshot nope"));
    }

    @Test
    void fingerprintIgnoresFileSizesButSeesNewSnapshots() {
        Fixtures f = host("a");
        String before = Fingerprint.of(f.actual());
        Fixtures grown = new Fixtures().domain("web01", RunState.RUNNING, disk("xvda", "/img/a.qcow2", "qcow2"))
                .image("/img/a.qcow2", "qcow2", null, 999_999, "a").stored("web01", "a", false, internal("xvda", "/img/a.qcow2", "a"));
        assertEquals(before, Fingerprint.of(grown.actual()), "a guest writing its disk does not change the fingerprint");
        assertTrue(!before.equals(Fingerprint.of(host("a", "b").actual())));
    }
}
