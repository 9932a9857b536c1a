package io.xsnap.observe;

import io.xsnap.host.RestartRecipe;
import java.time.Instant;
import java.util.List;

/**
 * What xsnap wrote about one clone ({@code <store>/<domain>/clone.json}): a domain made from another domain's
 * snapshot, on new overlays over that snapshot's frozen files.
 *
 * @param domain         the clone's name
 * @param sourceDomain   the domain whose snapshot was cloned
 * @param sourceSnapshot that snapshot
 * @param disks          per disk, the clone's own overlay and the frozen file beneath it
 * @param restart        how to start the clone (the source's recipe with name, disks, MACs and UUID changed)
 * @param memory         the source snapshot's memory file the clone was first started from, or null
 */
public record CloneRecord(int formatVersion, String domain, String sourceDomain, String sourceSnapshot, Instant created,
                          List<Disk> disks, RestartRecipe restart, String memory) {
    public static final int FORMAT_VERSION = 1;

    public CloneRecord {
        disks = List.copyOf(disks);
    }

    public String source() {
        return sourceDomain + "/" + sourceSnapshot;
    }

    /**
     * One disk of the clone: its overlay (written by the clone only) over the shared frozen file, or, for a raw disk
     * kept as a reflink copy (xl, blkback), the clone's own reflink copy of that file ({@code <vdev>.1.raw}).
     */
    public record Disk(String vdev, String overlay, String base, String baseFormat) {
        /** The clone's disk is its own reflink copy, independent of {@code base} once made. */
        public boolean reflinkCopy() {
            return overlay != null && overlay.endsWith(".raw");
        }
    }
}
