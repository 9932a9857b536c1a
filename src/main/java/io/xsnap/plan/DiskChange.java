package io.xsnap.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.xsnap.observe.CutMode;
import java.nio.file.Path;

/**
 * What one change does to one disk.
 *
 * @param vdev    the disk
 * @param mode    internal, external, a reflink copy (external in the JSON) or excluded
 * @param format  the format of {@code image}
 * @param image   create: the disk's current top; internal delete/revert: the image holding the tag;
 *                external delete/revert: the frozen file
 * @param tag     internal: the snapshot name in the image
 * @param layer   external create: the new active overlay; external revert: the new overlay on the frozen file;
 *                external delete: the layer directly above the frozen file (or null when none)
 * @param merge   external delete: how the frozen file leaves the chain (commit or stream), else null
 */
public record DiskChange(String vdev, CutMode mode, String format, Path image, String tag, Path layer,
                         Merge merge) {

    /**
     * The disk change a plan's JSON describes. The JSON keeps the words of schemas/plan-v1.schema.json, where a reflink
     * copy is an {@code external} disk: it is the external cut whose new file ({@code layer}) is a raw copy
     * ({@code <vdev>.<n>.raw}) rather than a qcow2 overlay, and only here is it told apart by that name.
     */
    @JsonCreator
    static DiskChange fromJson(@JsonProperty("vdev") String vdev, @JsonProperty("mode") String mode,
                               @JsonProperty("format") String format, @JsonProperty("image") Path image,
                               @JsonProperty("tag") String tag, @JsonProperty("layer") Path layer,
                               @JsonProperty("merge") Merge merge) {
        CutMode m = CutMode.ofWord(mode);
        if (m == CutMode.EXTERNAL && layer != null && layer.getFileName().toString().endsWith(".raw")) {
            m = CutMode.REFLINK_COPY;
        }
        return new DiskChange(vdev, m, format, image, tag, layer, merge);
    }

    /**
     * An external create or clone whose layer is a reflink copy ({@code <vdev>.<n>.raw}) of a raw disk QEMU does not
     * serve (xl: blkback), not a qcow2 overlay: the copy is the frozen file of a snapshot, or a clone's own disk.
     */
    public boolean reflinkCopy() {
        return mode == CutMode.REFLINK_COPY;
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
