package io.xsnap.plan;

import java.time.Instant;
import java.util.List;

/** The ordered changes that would make the host match the specs, plus what the planner noticed. */
public record Plan(int formatVersion, Instant createdAt, String driver, List<Change> changes,
                   List<Finding> findings) {
    public static final int FORMAT_VERSION = 1;

    public Plan {
        changes = List.copyOf(changes);
        findings = List.copyOf(findings);
    }

    public Summary summary() {
        return new Summary(count(Action.CREATE), count(Action.REVERT), count(Action.DELETE),
                (int) findings.stream().filter(f -> f.kind() == Finding.Kind.ERROR).count(), count(Action.RECOVER));
    }

    /** This plan's changes and findings, then {@code next}'s (recovery first, then the specs' plan). */
    public Plan then(Plan next) {
        List<Change> all = new java.util.ArrayList<>(changes);
        all.addAll(next.changes());
        List<Finding> found = new java.util.ArrayList<>(findings);
        found.addAll(next.findings());
        return new Plan(formatVersion, createdAt, driver, all, found);
    }

    /** This plan with {@code note} (when not null) as the description of the snapshots it creates. */
    public Plan describing(String note) {
        return note == null ? this : new Plan(formatVersion, createdAt, driver, changes.stream()
                .map(c -> c instanceof Change.Create create ? create.withDescription(note) : c).toList(), findings);
    }

    private int count(Action a) {
        return (int) changes.stream().filter(c -> c.action() == a).count();
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.kind() == Finding.Kind.ERROR);
    }

    /** Counts per action, and errors. */
    public record Summary(int create, int revert, int delete, int errors, int recover) {
        public Summary(int create, int revert, int delete, int errors) {
            this(create, revert, delete, errors, 0);
        }
    }
}
