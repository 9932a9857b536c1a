package io.xsnap.observe;

import java.time.Instant;
import java.util.List;

/**
 * What xsnap wrote about one complete snapshot (schemas/manifest-v1.schema.json).
 *
 * @param state   the domain's run state at capture: "running" or "paused"
 * @param memory  the saved guest memory, or null for a disk-only snapshot
 * @param parent  the snapshot that was current when this one was taken, or null
 * @param restart what is needed to start the domain again on revert (qemu: its command line; xl: its config)
 */
public record Manifest(int formatVersion, String name, String domain, String driver, Instant created, String description,
                       String state, Memory memory, List<Disk> disks, String parent, io.xsnap.host.RestartRecipe restart) {
    public static final int FORMAT_VERSION = 1;

    public Manifest {
        disks = List.copyOf(disks);
    }

    /** Guest RAM saved to a file beside the manifest. */
    public record Memory(String file, long size, String sha256, boolean live, long pauseMillis) {
    }

    /**
     * One disk in the snapshot.
     *
     * @param mode    internal, external or excluded
     * @param image   internal: the image that holds the tag
     * @param tag     internal: the snapshot name inside the image
     * @param frozen  external: the file that holds the state and is never written again
     * @param overlay external: the overlay that became the active layer when the snapshot was taken
     */
    public record Disk(String vdev, String mode, String format, String image, String tag, String frozen,
                       String overlay) {
        /**
         * A raw disk QEMU does not serve (xl: blkback) kept as a reflink copy: the copy is the frozen file, and no
         * overlay was put on the domain's disk.
         */
        public boolean reflinkCopy() {
            return cut() == CutMode.REFLINK_COPY;
        }

        /**
         * How the snapshot took this disk. The manifest keeps the word (schemas/manifest-v1.schema.json); a reflink
         * copy is the {@code external} disk of format raw with no overlay (the copy is the frozen file).
         */
        public CutMode cut() {
            CutMode m = CutMode.ofWord(mode);
            return m == CutMode.EXTERNAL && overlay == null && "raw".equals(format) ? CutMode.REFLINK_COPY : m;
        }
    }

}
