package io.xsnap.spec;

import java.util.List;

/** Every domain spec loaded in one run, sorted by domain name. */
public record Desired(List<DomainSpec> domains) {
    public Desired {
        domains = domains.stream().sorted(java.util.Comparator.comparing(DomainSpec::domain)).toList();
    }
}
