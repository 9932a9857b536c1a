package io.xsnap.plan;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pure planner: {@code plan(desired, actual)} → the changes that make the host match, with a reason
 * each, in a stable order. No I/O: everything it knows comes from its arguments.
 *
 * <p>A facade over the planners by concern: {@link SpecPlanner} (the specs: what to do, in which order),
 * {@link SnapshotPlanner} (create and revert of one snapshot), {@link DeletePlanner} (delete of one),
 * {@link RetentionPlanner} (rolling snapshots), {@link ClonePlanner} (clones and backups) and
 * {@link RecoveryPlanner} (what an interrupted run left). They share one {@link PlanSession} per plan.
 */
public final class Planner {
    private final StoreLayout layout;
    private final Instant now;

    public Planner(StoreLayout layout, Instant now) {
        this.layout = layout;
        this.now = now;
    }

    private PlanSession session(Actual actual) {
        return new PlanSession(layout, now, actual);
    }

    /**
     * The declarative plan: per domain, a one-shot revert first, then creates for missing present snapshots
     * and due retention snapshots, then deletes for absent ones that are ours and retention prunes. Each
     * change is planned against the state the changes before it leave (apply runs them in this order).
     */
    public Plan plan(Desired desired, Actual actual) {
        return new SpecPlanner(session(actual)).plan(desired);
    }

    /**
     * Recovery: a RECOVER change for each change an interrupted run left open ({@code interrupted}, from the
     * journal) and for each snapshot directory without a manifest (see {@link RecoveryPlanner}).
     */
    public Plan recover(Actual actual, List<Interrupted> interrupted) {
        List<Finding> findings = new ArrayList<>();
        List<Change> changes = new RecoveryPlanner(layout, actual).plan(interrupted, findings);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), changes, findings);
    }

    /** The imperative create: one snapshot of one domain. */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks) {
        return create(actual, domainName, name, memory, live, disks, Map.of());
    }

    /**
     * The imperative create with chosen files: {@code layers} maps a vdev to the file its external cut creates
     * (the new overlay, or a raw disk's reflink copy) instead of the store's next layer.
     */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks, Map<String, Path> layers) {
        return create(actual, domainName, name, memory, live, disks, layers, null);
    }

    /**
     * The imperative create with chosen files and, when {@code memoryFile} is not null, the memory saved there
     * (outside the store: a snapshot cfgfile's memory_path, checked by the caller) instead of beside the manifest.
     */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks, Map<String, Path> layers, Path memoryFile) {
        PlanSession s = session(actual);
        s.chosenLayers.putAll(layers);
        s.memoryFile = memory ? memoryFile : null;
        DomainInfo domain = s.index.domain(domainName);
        if (domain == null) {
            s.error(domainName, name, "domain " + domainName + " does not exist on this host (driver "
                    + actual.driver() + ")", null);
        } else if (s.index.snapshot(domainName, name) != null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " already exists",
                    "choose another --name, or delete it first");
        } else {
            s.add(new SnapshotPlanner(s).create(domain, name, memory, live, disks, "requested on the command line"));
        }
        return s.toPlan();
    }

    /** The imperative delete. */
    public Plan delete(Actual actual, String domainName, String name) {
        PlanSession s = session(actual);
        StoredSnapshot stored = stored(s, domainName, name);
        if (stored != null) {
            s.add(new DeletePlanner(s).delete(stored, "requested on the command line"));
        }
        return s.toPlan();
    }

    /**
     * The imperative revert.
     *
     * @param runAfter running, paused, or null for the state the snapshot was taken in
     * @param force    allow losing the domain's current state
     */
    public Plan revert(Actual actual, String domainName, String name, RunState runAfter, boolean force) {
        PlanSession s = session(actual);
        StoredSnapshot stored = stored(s, domainName, name);
        if (stored != null) {
            s.add(new SnapshotPlanner(s).revert(stored, runAfter, force, "requested on the command line"));
        }
        return s.toPlan();
    }

    /** The stored snapshot an imperative command names, or null with an error (damaged, or not in the store). */
    private StoredSnapshot stored(PlanSession s, String domainName, String name) {
        StoredSnapshot stored = s.index.snapshot(domainName, name);
        if (stored == null && !s.damaged(domainName, name)) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " does not exist in the store "
                    + layout.root(), "xsnap list " + domainName);
        }
        return stored;
    }
}
