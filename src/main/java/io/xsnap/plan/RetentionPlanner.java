package io.xsnap.plan;

import io.xsnap.host.DomainInfo;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.RetentionRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rolling snapshots: a retention rule's create when it is due, and the rule's own snapshots it prunes, each with a
 * reason. Pure, like {@link Planner}.
 */
final class RetentionPlanner {
    private final PlanSession s;
    private final SnapshotPlanner snapshots;

    RetentionPlanner(PlanSession s, SnapshotPlanner snapshots) {
        this.s = s;
        this.snapshots = snapshots;
    }

    /**
     * One retention rule: create when the rule's newest snapshot is older than {@code every} (or there is
     * none), then delete the rule's own snapshots beyond {@code keep} or older than {@code maxAge}, oldest
     * first. Only names the rule owns ({@code <prefix>-<UTC time>}) with a manifest are ever deleted.
     * The create is added to the session; the prunes are returned (with their reasons in
     * {@link PlanSession#pruneReasons}) for the caller to delete after the spec's own deletes.
     */
    List<StoredSnapshot> plan(DomainSpec spec, RetentionRule rule) {
        String where = "retention rule '" + rule.prefix() + "' (" + rule.source() + ")";
        List<StoredSnapshot> owned = s.actual.snapshots().stream()
                .filter(st -> st.domain().equals(spec.domain()) && rule.owns(st.name()))
                .sorted(Comparator.comparing((StoredSnapshot st) -> rule.timeOf(st.name())))
                .toList();
        boolean due = owned.isEmpty()
                || !rule.timeOf(owned.get(owned.size() - 1).name()).plus(rule.every()).isAfter(s.now);
        int total = owned.size();
        if (due && createDue(spec, rule, where, owned)) {
            total++;
        }
        List<StoredSnapshot> prunes = new ArrayList<>();
        for (int i = 0; i < owned.size(); i++) {
            StoredSnapshot st = owned.get(i);
            int newestRank = total - i;
            Instant taken = rule.timeOf(st.name());
            String why = null;
            if (newestRank > rule.keep()) {
                why = where + ": " + st.name() + " is the " + ordinal(newestRank) + " newest of keep " + rule.keep();
            } else if (rule.maxAge() != null && taken.plus(rule.maxAge()).isBefore(s.now)) {
                why = where + ": " + st.name() + " is " + age(taken) + " old, maxAge " + human(rule.maxAge());
            }
            if (why != null) {
                prunes.add(st);
                s.pruneReasons.put(st, why);
            }
        }
        return prunes;
    }

    /** The rule's create, now that it is due; true when one is planned. */
    private boolean createDue(DomainSpec spec, RetentionRule rule, String where, List<StoredSnapshot> owned) {
        DomainInfo domain = s.index.domain(spec.domain());
        String name = rule.nameAt(s.now);
        String why = owned.isEmpty() ? where + ": no snapshot of this rule yet"
                : where + ": newest " + owned.get(owned.size() - 1).name() + " is "
                + age(rule.timeOf(owned.get(owned.size() - 1).name())) + " old, every " + human(rule.every());
        if (domain == null) {
            s.error(spec.domain(), name, "domain " + spec.domain() + " (" + spec.source()
                    + ") does not exist on this host; " + where + " cannot take " + name, null);
        } else if (s.index.snapshot(spec.domain(), name) == null) {
            Change c = snapshots.create(domain, name, rule.memory(), rule.live(), rule.disks(), why);
            if (c != null) {
                s.add(c);
                return true;
            }
        }
        return false;
    }

    private String age(Instant then) {
        return human(Duration.between(then, s.now));
    }

    /** 90000 s → "1d 1h"; 3600 s → "1h"; 59 s → "59s". */
    static String human(Duration d) {
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        StringBuilder sb = new StringBuilder();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (hours > 0) {
            sb.append(sb.length() > 0 ? " " : "").append(hours).append('h');
        }
        if (minutes > 0 && days == 0) {
            sb.append(sb.length() > 0 ? " " : "").append(minutes).append('m');
        }
        return sb.length() == 0 ? d.toSeconds() + "s" : sb.toString();
    }

    static String ordinal(int n) {
        String suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
