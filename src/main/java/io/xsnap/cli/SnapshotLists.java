package io.xsnap.cli;

import io.xsnap.host.DomainInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change;
import io.xsnap.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The snapshot lists per domain the Ansible modules show: diff before/after, and snapshot_info's trees. */
final class SnapshotLists {
    private SnapshotLists() {
    }

    /**
     * One domain's snapshots for a diff.
     *
     * @param current   the snapshot the domain last came from, when it still exists
     * @param snapshots names, oldest first
     */
    record DomainState(String current, List<String> snapshots) {
    }

    /** Before and after, per domain (sorted by name). */
    record Diff(Map<String, DomainState> before, Map<String, DomainState> after) {
    }

    /**
     * What a run starts from, read when its plan is made and before anything changes: the snapshots the
     * observation holds and each domain's current snapshot, for {@code domains} and the domains the plan
     * changes.
     */
    static Map<String, DomainState> before(Actual actual, Plan plan, HostContext ctx, Set<String> domains) {
        Set<String> shown = new TreeSet<>(domains);
        plan.changes().forEach(c -> shown.add(c.domain()));
        return states(actual.snapshots().stream().map(StoredSnapshot::manifest).toList(), ctx, shown);
    }

    /**
     * The diff of a run from {@code before} (see {@link #before}; null when no plan was made: the run's
     * observation then): after is, in check mode, before with the plan's changes applied on paper; after a
     * run that changed nothing, before; otherwise the store read again.
     */
    static Diff diff(Map<String, DomainState> before, io.xsnap.apply.Reconciler.Result r, HostContext ctx, Set<String> domains,
                     boolean checkMode) {
        if (before == null) {
            before = before(r.actual(), r.shown(), ctx, domains);
        }
        Set<String> shown = new TreeSet<>(before.keySet());
        r.shown().changes().forEach(c -> shown.add(c.domain()));
        Map<String, DomainState> after;
        if (checkMode) {
            after = predicted(before, r.shown().changes());
        } else if (r.results().isEmpty()) {
            after = before;
        } else {
            after = states(new SnapshotStore(ctx.layout).read().manifests(), ctx, shown);
        }
        return new Diff(before, after);
    }

    private static Map<String, DomainState> states(List<Manifest> manifests, HostContext ctx, Set<String> domains) {
        Map<String, DomainState> out = new TreeMap<>();
        for (String d : domains) {
            List<String> names = manifests.stream().filter(m -> m.domain().equals(d)).map(Manifest::name).toList();
            String current = ListCommand.current(ctx.layout, d);
            out.put(d, new DomainState(names.contains(current) ? current : null, names));
        }
        return out;
    }

    /** What the plan's changes would leave: a create adds the newest and current one, a revert moves current. */
    static Map<String, DomainState> predicted(Map<String, DomainState> before, List<Change> changes) {
        Map<String, DomainState> out = new TreeMap<>(before);
        for (Change c : changes) {
            DomainState s = out.getOrDefault(c.domain(), new DomainState(null, List.of()));
            Set<String> names = new LinkedHashSet<>(s.snapshots());
            String current = s.current();
            switch (c.action()) {
                case CREATE -> {
                    names.add(c.snapshot());
                    current = c.snapshot();
                }
                case REVERT -> current = c.snapshot();
                case DELETE -> {
                    names.remove(c.snapshot());
                    current = c.snapshot().equals(current) ? null : current;
                }
            }
            out.put(c.domain(), new DomainState(current, List.copyOf(names)));
        }
        return out;
    }

    /**
     * One domain in snapshot_info.
     *
     * @param state     the domain's run state, or "absent" when the driver does not know it
     * @param current   the current snapshot (the one the domain last came from), or null
     * @param snapshots names, oldest first
     * @param tree      the snapshots as a tree of parents and children
     */
    record DomainTree(String state, String current, List<String> snapshots, List<Node> tree) {
    }

    /** A snapshot and the snapshots taken while it was current. */
    record Node(String name, List<Node> children) {
    }

    /** Every domain the driver or the store knows (or only {@code domain}), with its snapshots. */
    static Map<String, DomainTree> domains(Actual actual, List<ListCommand.Entry> entries, String domain) {
        Set<String> names = new TreeSet<>();
        actual.domains().forEach(d -> names.add(d.name()));
        entries.forEach(e -> names.add(e.domain()));
        if (domain != null) {
            names.retainAll(Set.of(domain));
            names.add(domain);
        }
        Map<String, DomainTree> out = new TreeMap<>();
        for (String d : names) {
            List<ListCommand.Entry> mine = entries.stream().filter(e -> e.domain().equals(d)).toList();
            Set<String> all = new TreeSet<>(mine.stream().map(ListCommand.Entry::name).toList());
            List<Node> roots = new ArrayList<>();
            for (ListCommand.Entry e : mine) {
                if (e.parent() == null || !all.contains(e.parent())) {
                    roots.add(node(e, mine));
                }
            }
            String state = actual.domains().stream().filter(x -> x.name().equals(d)).findFirst()
                    .map(DomainInfo::state).map(s -> s.word()).orElse("absent");
            String current = mine.stream().filter(ListCommand.Entry::current).map(ListCommand.Entry::name).findFirst()
                    .orElse(null);
            out.put(d, new DomainTree(state, current, mine.stream().map(ListCommand.Entry::name).toList(), roots));
        }
        return out;
    }

    private static Node node(ListCommand.Entry e, List<ListCommand.Entry> all) {
        List<Node> children = new ArrayList<>();
        for (ListCommand.Entry c : all) {
            if (e.name().equals(c.parent())) {
                children.add(node(c, all));
            }
        }
        return new Node(e.name(), children);
    }
}
