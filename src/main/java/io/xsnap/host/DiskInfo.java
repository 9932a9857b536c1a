package io.xsnap.host;

import java.nio.file.Path;

/**
 * One disk of a domain as the driver sees it.
 *
 * @param vdev     the guest-visible name the spec uses (xvda, hda, or the QEMU drive id)
 * @param path     the file the domain writes (the top of its chain)
 * @param format   "qcow2" or "raw"
 * @param node     the block node name to address over QMP, or null when QEMU does not serve the disk
 * @param readOnly true when the domain cannot write the disk (CD-ROMs are left out altogether)
 */
public record DiskInfo(String vdev, Path path, String format, String node, boolean readOnly) {
}
