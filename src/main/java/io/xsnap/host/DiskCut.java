package io.xsnap.host;

import java.nio.file.Path;

/**
 * One disk to cut in a snapshot transaction.
 *
 * @param disk    the disk as observed
 * @param internal true: a named snapshot inside the qcow2 (tag); false: the current file is frozen and
 *                 the pre-created {@code overlay} (backing = the current file) becomes the active layer
 */
public record DiskCut(DiskInfo disk, boolean internal, String tag, Path overlay) {
}
