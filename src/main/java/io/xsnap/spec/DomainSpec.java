package io.xsnap.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The snapshots declared for one domain (one YAML document of kind DomainSnapshots).
 *
 * @param xlConfig  the domain's xl config file, when the spec names one (the xl driver restores with it)
 * @param retention rolling-snapshot rules, in spec order
 * @param revert    a one-shot revert, when the spec asks for one
 */
public record DomainSpec(String domain, List<SnapshotSpec> snapshots, SourceRef source, Optional<Path> xlConfig,
                         List<RetentionRule> retention, Optional<RevertRequest> revert) {
    public DomainSpec {
        snapshots = List.copyOf(snapshots);
        Objects.requireNonNull(xlConfig, "xlConfig (use Optional.empty())");
        retention = List.copyOf(retention);
        Objects.requireNonNull(revert, "revert (use Optional.empty())");
    }

    /** A spec without retention rules or a revert. */
    public DomainSpec(String domain, List<SnapshotSpec> snapshots, SourceRef source, Optional<Path> xlConfig) {
        this(domain, snapshots, source, xlConfig, List.of(), Optional.empty());
    }

    /** A spec that names no xl config file. */
    public DomainSpec(String domain, List<SnapshotSpec> snapshots, SourceRef source) {
        this(domain, snapshots, source, Optional.empty());
    }
}
