package io.xsnap.spec;

import java.util.Map;

/**
 * One snapshot a domain should (or should not) have.
 *
 * @param disks per-vdev modes as written; a disk not named takes AUTO
 */
public record SnapshotSpec(String name, String description, Presence state, boolean memory, boolean live,
                           Map<String, DiskMode> disks, SourceRef source) {
    public SnapshotSpec {
        disks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(disks));
    }

    public DiskMode modeFor(String vdev) {
        return disks.getOrDefault(vdev, DiskMode.AUTO);
    }
}
