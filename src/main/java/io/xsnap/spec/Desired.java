package io.xsnap.spec;

import java.util.Comparator;
import java.util.List;

/** Every spec loaded in one run: domain snapshot specs and clone specs, each sorted by domain name. */
public record Desired(List<DomainSpec> domains, List<CloneSpec> clones) {
    public Desired {
        domains = domains.stream().sorted(Comparator.comparing(DomainSpec::domain)).toList();
        clones = clones.stream().sorted(Comparator.comparing(CloneSpec::domain)).toList();
    }

    /** Snapshot specs only. */
    public Desired(List<DomainSpec> domains) {
        this(domains, List.of());
    }
}
