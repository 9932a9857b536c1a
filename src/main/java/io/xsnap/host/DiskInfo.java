package io.xsnap.host;

import java.nio.file.Path;

/**
 * One disk of a domain as the driver sees it.
 *
 * @param vdev     the guest-visible name the spec uses (xvda, hda, or the QEMU drive id)
 * @param path     the file the domain writes (the top of its chain)
 * @param format   "qcow2" or "raw"
 * @param node     the block node name to address over QMP, or null when QEMU does not serve the disk (xl: a raw
 *                 disk on the kernel's blkback); such a disk can only be cut by copying it while the domain is
 *                 paused
 * @param readOnly true when the domain cannot write the disk (CD-ROMs are left out altogether)
 * @param reflink  node == null only: the file can be copied with {@code cp --reflink=always} into the store
 *                 (same filesystem, one that shares blocks), so a snapshot may copy it
 */
public record DiskInfo(String vdev, Path path, String format, String node, boolean readOnly, boolean reflink) {
    /** A disk that cannot be copied by reflink (every disk QEMU serves). */
    public DiskInfo(String vdev, Path path, String format, String node, boolean readOnly) {
        this(vdev, path, format, node, readOnly, false);
    }
}
