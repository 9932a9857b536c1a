package io.xsnap.plan;

import java.nio.file.Path;

/**
 * What one change does to one disk.
 *
 * @param vdev    the disk
 * @param mode    internal, external or excluded
 * @param format  the format of {@code image}
 * @param image   create: the disk's current top; internal delete/revert: the image holding the tag;
 *                external delete/revert: the frozen file
 * @param tag     internal: the snapshot name in the image
 * @param layer   external create: the new active overlay; external revert: the new overlay on the frozen file;
 *                external delete: the layer directly above the frozen file (or null when none)
 * @param merge   external delete: how the frozen file leaves the chain (commit or stream), else null
 */
public record DiskChange(String vdev, String mode, String format, Path image, String tag, Path layer,
                         Merge merge) {

    public static final String INTERNAL = "internal";
    public static final String EXTERNAL = "external";
    public static final String EXCLUDED = "excluded";

    /**
     * An external create or clone whose layer is a reflink copy ({@code <vdev>.<n>.raw}) of a raw disk QEMU does not
     * serve (xl: blkback), not a qcow2 overlay: the copy is the frozen file of a snapshot, or a clone's own disk.
     */
    public boolean reflinkCopy() {
        return EXTERNAL.equals(mode) && layer != null && layer.getFileName().toString().endsWith(".raw");
    }

    /** How an external snapshot's frozen file leaves the chain when the snapshot is deleted. */
    public enum Merge {
        /** The layer above is merged down into the frozen file, which then takes its place. */
        COMMIT,
        /** The frozen file's data is copied up into the layer above, which is rebased past it. */
        STREAM,
        /** Nothing uses the frozen file any more: it is simply removed. */
        NONE
    }
}
