package io.xsnap.spec;

import java.util.List;

/** The snapshots declared for one domain (one YAML document of kind DomainSnapshots). */
public record DomainSpec(String domain, List<SnapshotSpec> snapshots, SourceRef source) {
    public DomainSpec {
        snapshots = List.copyOf(snapshots);
    }
}
