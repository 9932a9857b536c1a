package io.xsnap.plan;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.CloneSpec;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.RetentionRule;
import io.xsnap.spec.RevertRequest;
import io.xsnap.spec.SnapshotSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The declarative plan of the specs: per DomainSnapshots spec a one-shot revert, the creates, the retention
 * rules, the deletes and the findings (drift, other settings, unmanaged); per DomainClone spec the clone made or
 * deleted. It orders the work and hands each action to the planner of its concern.
 */
final class SpecPlanner {
    private final PlanSession s;
    private final SnapshotPlanner snapshots;
    private final DeletePlanner deletes;
    private final RetentionPlanner retention;

    SpecPlanner(PlanSession s) {
        this.s = s;
        this.snapshots = new SnapshotPlanner(s);
        this.deletes = new DeletePlanner(s);
        this.retention = new RetentionPlanner(s, snapshots);
    }

    /**
     * Per domain, a one-shot revert first, then creates for missing present snapshots and due retention
     * snapshots, then deletes for absent ones that are ours and retention prunes. Each change is planned against
     * the state the changes before it leave (apply runs them in this order).
     */
    Plan plan(Desired desired) {
        desired.domains().forEach(d -> s.specs.put(d.domain(), d));
        Set<String> made = s.clones;
        desired.clones().stream().filter(c -> c.state() == Presence.PRESENT).forEach(c -> made.add(c.domain()));
        // a clone goes before the snapshots of its source are deleted, and is made after they are created;
        // the snapshots of a clone are planned once the clone is
        for (CloneSpec c : desired.clones()) {
            if (c.state() == Presence.ABSENT) {
                cloneAbsent(c);
            }
        }
        desired.domains().stream().filter(d -> !made.contains(d.domain())).forEach(this::domain);
        for (CloneSpec c : desired.clones()) {
            if (c.state() == Presence.PRESENT) {
                clonePresent(c);
            }
        }
        desired.domains().stream().filter(d -> made.contains(d.domain())).forEach(this::domain);
        return s.toPlan();
    }

    /** A clone the spec says should not exist: destroyed, its own overlays and record removed. */
    private void cloneAbsent(CloneSpec spec) {
        CloneRecord rec = s.index.cloneOf(spec.domain());
        if (rec == null) {
            return;
        }
        if (!rec.source().equals(spec.from())) {
            s.error(spec.domain(), null, spec.domain() + " is a clone of " + rec.source() + ", but " + spec.source()
                    + " says it is one of " + spec.from() + "; nothing is deleted on a spec that names another source",
                    "fix from: in the spec");
            return;
        }
        Plan p = new ClonePlanner(s.layout, s.now).deleteClone(s.actual, spec.domain());
        s.findings.addAll(p.findings());
        p.changes().forEach(c -> s.add(c.withReason("spec says state: absent (" + spec.source() + ")")));
    }

    /** A clone the spec says should exist: made from the stored snapshot, or from one this plan creates. */
    private void clonePresent(CloneSpec spec) {
        CloneRecord rec = s.index.cloneOf(spec.domain());
        if (rec != null) {
            if (!rec.source().equals(spec.from())) {
                s.error(spec.domain(), null, spec.domain() + " is a clone of " + rec.source() + ", but " + spec.source()
                        + " says it is one of " + spec.from(), "delete the clone first (state: absent), or fix from:");
            }
            return;
        }
        Change.Create planned = null;
        for (Change c : s.changes) {
            if (c.snapshot() != null && c.domain().equals(spec.sourceDomain()) && c.snapshot().equals(spec.sourceSnapshot())) {
                if (c.action() == Action.DELETE) {
                    s.error(spec.domain(), null, "this plan deletes " + spec.from() + ", which clone " + spec.domain()
                            + " (" + spec.source() + ") is to be made from", "keep the snapshot, or make the clone absent");
                    return;
                }
                planned = c instanceof Change.Create create ? create : planned;
            }
        }
        ClonePlanner clones = new ClonePlanner(s.layout, s.now);
        String reason = "declared in " + spec.source() + ", not on the host";
        if (planned == null) {
            Plan p = clones.clone(s.actual, spec.sourceDomain(), spec.sourceSnapshot(), spec.domain(),
                    RunState.of(spec.start()));
            s.findings.addAll(p.findings());
            p.changes().forEach(c -> s.add(c.withReason(reason)));
        } else if (s.can().startsFromConfigFile() && s.specs.get(spec.sourceDomain()).xlConfig().isEmpty()) {
            // the snapshot will record no xl config file, and a clone's config is derived from it
            s.error(spec.domain(), null, "clone " + spec.domain() + " (" + spec.source() + ") is made from "
                    + spec.from() + ", which this plan creates without " + spec.sourceDomain() + "'s xl config file",
                    "add xlConfig: to " + spec.sourceDomain() + "'s spec");
        } else {
            s.add(withReason(clones.cloneOfPlanned(s.index, s.findings, planned, spec.domain(), RunState.of(spec.start())),
                    reason + "; " + spec.from() + " is created first"));
        }
    }

    private static Change withReason(Change c, String reason) {
        return c == null ? null : c.withReason(reason);
    }

    /** The changes one DomainSnapshots spec asks for. */
    private void domain(DomainSpec spec) {
        DomainInfo observed = s.index.domain(spec.domain());
        spec.revert().ifPresent(r -> oneShotRevert(spec, r));
        boolean missingCreates = false;
        for (SnapshotSpec snap : spec.snapshots()) {
            if (snap.state() == Presence.PRESENT && s.index.snapshot(spec.domain(), snap.name()) == null) {
                DomainInfo domain = s.index.domain(spec.domain());
                if (domain == null) {
                    missingCreates = true;
                } else {
                    Change.Create c = snapshots.create(domain, snap.name(), snap.memory(), snap.live(), snap.disks(),
                            "declared in " + snap.source() + ", not on the host");
                    s.add(c == null || snap.description() == null ? c : c.withDescription(snap.description()));
                }
            }
        }
        if (missingCreates) {
            s.error(spec.domain(), null, "domain " + spec.domain() + " (" + spec.source()
                    + ") does not exist on this host (driver " + s.actual.driver() + ")",
                    s.clones.contains(spec.domain()) ? "a clone's snapshots need the clone running: start: running in its"
                    + " DomainClone spec" : "start the domain, or fix the domain name in the spec");
        }
        List<StoredSnapshot> prunes = new ArrayList<>();
        for (RetentionRule rule : spec.retention()) {
            prunes.addAll(retention.plan(spec, rule));
        }
        absentAndDrift(spec, observed);
        for (StoredSnapshot p : prunes) {
            s.add(deletes.delete(p, s.pruneReasons.get(p)));
        }
        if (observed != null) {
            s.noteUnmanaged(observed);
        }
    }

    /** The spec's absent snapshots deleted (ours) or noted (not ours); its present ones checked for drift. */
    private void absentAndDrift(DomainSpec spec, DomainInfo observed) {
        for (SnapshotSpec snap : spec.snapshots()) {
            StoredSnapshot stored = s.index.snapshot(spec.domain(), snap.name());
            if (snap.state() == Presence.ABSENT) {
                if (stored == null && s.damaged(spec.domain(), snap.name())) {
                    continue;
                }
                if (stored != null) {
                    s.add(deletes.delete(stored, "spec says state: absent (" + snap.source() + ")"));
                } else {
                    s.noteUnmanagedNamed(observed, snap.name());
                }
            } else if (stored != null) {
                checkDrift(stored);
                checkDiffers(stored, snap);
            }
        }
    }

    /** A revert the spec asks for, once per id: ids already applied are recorded in the store. */
    private void oneShotRevert(DomainSpec spec, RevertRequest r) {
        if (s.actual.appliedReverts().contains(spec.domain() + "/" + r.id())) {
            return;
        }
        StoredSnapshot target = s.index.snapshot(spec.domain(), r.to());
        if (target == null) {
            s.error(spec.domain(), r.to(), "revert (" + r.source() + ") names snapshot " + r.to()
                    + ", which " + spec.domain() + " does not have", "xsnap list " + spec.domain());
            return;
        }
        Change.Revert c = snapshots.revert(target, RunState.of(r.state()), true, "revert requested at " + r.source() + " (id " + r.id()
                + "), not applied yet");
        if (c != null) {
            s.add(c.withRequest(r.id()));
        }
    }

    // ---------------------------------------------------------------- findings

    private void checkDrift(StoredSnapshot stored) {
        Manifest m = stored.manifest();
        String fix = "delete it (xsnap delete " + m.domain() + " " + m.name() + ") and apply again";
        if (m.memory() != null && stored.memorySize() != m.memory().size()) {
            s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), "memory file "
                    + (stored.memorySize() < 0 ? "is missing" : "is " + stored.memorySize() + " bytes, the manifest says "
                    + m.memory().size()), fix));
        }
        for (Manifest.Disk d : m.disks()) {
            if (d.cut() == CutMode.INTERNAL) {
                ImageInfo img = s.index.image(Path.of(d.image()));
                if (img == null || !img.hasSnapshot(d.tag())) {
                    s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), d.vdev() + ": internal snapshot '"
                            + d.tag() + "' is gone from " + d.image(), fix));
                }
            } else if (d.cut().external() && s.index.image(Path.of(d.frozen())) == null) {
                s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), d.vdev() + ": frozen file "
                        + d.frozen() + " is missing", fix));
            }
        }
    }

    private void checkDiffers(StoredSnapshot stored, SnapshotSpec snap) {
        Manifest m = stored.manifest();
        List<String> diffs = new ArrayList<>();
        if ((m.memory() != null) != snap.memory()) {
            diffs.add("memory: spec " + snap.memory() + ", taken " + (m.memory() != null));
        }
        for (Manifest.Disk d : m.disks()) {
            DiskMode asked = snap.modeFor(d.vdev());
            String want = asked == DiskMode.AUTO ? null : asked == DiskMode.EXCLUDE ? CutMode.EXCLUDED.word() : asked.word();
            if (want != null && !want.equals(d.mode())) {
                diffs.add(d.vdev() + ": spec " + want + ", taken " + d.mode());
            }
        }
        if (!diffs.isEmpty()) {
            s.findings.add(new Finding(Finding.Kind.DIFFERS, m.domain(), m.name(), "taken with other settings ("
                    + String.join("; ", diffs) + "); snapshots are never changed in place",
                    "rename the snapshot in the spec to take a new one"));
        }
    }
}
