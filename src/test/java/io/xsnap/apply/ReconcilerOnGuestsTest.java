package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemu.QemuDriver;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Change;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import io.xsnap.spec.SourceRef;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.OnGuests;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconcile loop on a real QEMU guest, through the events its listener hears: the order of observe, recover,
 * plan, confirm, execute and verify, and what ends a run before anything changes.
 */
class ReconcilerOnGuestsTest extends OnGuests {
    static final SourceRef HERE = new SourceRef("test", 1, 1);

    StoreLayout layout;

    @BeforeEach
    void startGuest() {
        layout = new StoreLayout(store);
        lab.start("web01", Disk.qcow2("xvda", lab.createDisk("web01-root.qcow2", "qcow2", 16 << 20)));
    }

    private Reconciler reconciler(Duration lockTimeout) {
        return new Reconciler(new Reconciler.Tools(layout, Json.mapper(), () -> new QemuDriver(lab.qemuDir(), lab.runner()),
                lab::qemuImg, driver -> new Observer(driver, new ImageReader()::read, new SnapshotStore(layout))),
                lockTimeout, Clock.systemUTC());
    }

    /** A disk-only snapshot {@code name} of web01, or of another domain. */
    private Reconciler.Goal specs(String domain, String name) {
        Desired desired = new Desired(List.of(new DomainSpec(domain, List.of(new SnapshotSpec(name, null, Presence.PRESENT,
                false, false, Map.of(), HERE)), HERE, Optional.empty())));
        return Reconciler.Goal.specs((actual, now) -> new Planner(layout, now).plan(desired, actual));
    }

    /** Hears every event but apply's lines as a word, and keeps those lines apart. */
    static final class Events implements RunListener {
        final List<String> heard = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        private final Predicate<Plan> confirm;

        Events(Predicate<Plan> confirm) {
            this.confirm = confirm;
        }

        @Override
        public void recoveryPlanned(Plan recovery) {
            heard.add("recovery " + recovery.changes().size());
        }

        @Override
        public void planned(Plan plan) {
            heard.add("planned " + plan.changes().size() + (plan.hasErrors() ? " with errors" : ""));
        }

        @Override
        public boolean confirm(Plan plan) {
            heard.add("confirm");
            return confirm.test(plan);
        }

        @Override
        public void changeStarted(Change change) {
            heard.add("started " + change.action().word() + " " + change.address());
        }

        @Override
        public void changeEnded(ChangeResult result) {
            heard.add("ended " + result.change().address() + (result.ok() ? " ok" : " failed"));
        }

        @Override
        public void verified(Plan after) {
            heard.add("verified " + after.changes().size());
        }

        @Override
        public void say(String line) {
            lines.add(line);
        }
    }

    @Test
    void aRunPlansConfirmsAppliesAndVerifiesInThatOrder() {
        Events events = new Events(plan -> true);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(specs("web01", "s1"), events);

        assertEquals(List.of("planned 1", "confirm", "started create web01/s1", "ended web01/s1 ok", "verified 0"),
                events.heard, events.lines.toString());
        assertTrue(r.ok() && r.verified() && r.recovered(), r.toString());
        assertTrue(Files.exists(layout.manifest("web01", "s1")));
        assertTrue(events.lines.stream().anyMatch(l -> l.startsWith("+ create web01/s1")), events.lines.toString());

        Events again = new Events(plan -> true);
        Reconciler.Result second = reconciler(Duration.ofSeconds(5)).run(specs("web01", "s1"), again);
        assertEquals(List.of("planned 0"), again.heard, "nothing to do: nothing to confirm, apply or verify");
        assertTrue(second.ok() && second.results().isEmpty(), second.toString());
    }

    @Test
    void noToTheConfirmationChangesNothing() {
        Events events = new Events(plan -> false);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(specs("web01", "s1"), events);

        assertEquals(List.of("planned 1", "confirm"), events.heard);
        assertTrue(r.cancelled() && r.results().isEmpty(), r.toString());
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")), "nothing applied");
    }

    @Test
    void aPlanWithErrorsIsNeitherConfirmedNorApplied() {
        Events events = new Events(plan -> true);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(specs("db01", "s1"), events);

        assertEquals(List.of("planned 0 with errors"), events.heard);
        assertTrue(r.plan().hasErrors() && r.results().isEmpty(), r.toString());
        assertFalse(Files.exists(layout.domainDir("db01")));
    }

    @Test
    void aLockAnotherRunHoldsEndsTheRunBeforeItLooksAtTheHost() throws Exception {
        Events events = new Events(plan -> true);
        try (HostLock held = HostLock.acquire(layout.lock(), Duration.ZERO)) {
            assertThrows(HostLock.LockBusyException.class,
                    () -> reconciler(Duration.ZERO).run(specs("web01", "s1"), events));
        }
        assertEquals(List.of(), events.heard);
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")));
    }

    @Test
    void whatAnInterruptedRunLeftIsRecoveredBeforeThePlanIsMade() throws Exception {
        // a create whose run died right after its begin entry: nothing of it is on the host
        Plan create = new Planner(layout, Clock.systemUTC().instant()).create(new Observer(new QemuDriver(lab.qemuDir(),
                lab.runner()), new ImageReader()::read, new SnapshotStore(layout)).observe(), "web01", "s0", false, false,
                Map.of());
        Files.createDirectories(layout.root());
        new Journal(layout.journal(), Json.mapper()).begin(create.changes().get(0), "qemu", null, null);

        Events events = new Events(plan -> true);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(specs("web01", "s1"), events);

        assertEquals(List.of("recovery 1", "started recover web01/s0", "ended web01/s0 ok", "planned 1", "confirm",
                "started create web01/s1", "ended web01/s1 ok", "verified 0"), events.heard, events.lines.toString());
        assertTrue(r.ok() && r.verified(), r.toString());
        assertTrue(new Journal(layout.journal(), Json.mapper()).interrupted().isEmpty(), "the journal is closed");
    }

    @Test
    void aReplanThatStillFindsWorkIsTheRunsResultNotAnError() {
        Reconciler.Goal asked = specs("web01", "s1");
        // the check re-plans other specs than the ones applied: it finds s2 missing
        Reconciler.Goal goal = new Reconciler.Goal(asked.planner(), specs("web01", "s2").planner());
        Events events = new Events(plan -> true);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(goal, events);

        assertEquals(List.of("planned 1", "confirm", "started create web01/s1", "ended web01/s1 ok", "verified 1"),
                events.heard);
        assertTrue(r.ok(), "every change ran");
        assertFalse(r.verified(), "but the host does not match what was checked");
        assertEquals("web01/s2", r.after().changes().get(0).address());
    }

    @Test
    void recoveryOnlyPlansNothing() {
        Events events = new Events(plan -> true);
        Reconciler.Result r = reconciler(Duration.ofSeconds(5)).run(Reconciler.Goal.recoveryOnly(), events);

        assertEquals(List.of(), events.heard);
        assertTrue(r.ok() && r.plan() == null && r.recovery().changes().isEmpty(), r.toString());
    }
}
