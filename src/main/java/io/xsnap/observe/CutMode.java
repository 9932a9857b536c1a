package io.xsnap.observe;

import java.util.Locale;

/**
 * How a snapshot took (or a change cuts, reverts or deletes) one disk. Manifests and plans keep the words
 * {@code internal}, {@code external} and {@code excluded} (their schemas are unchanged); a reflink copy is written
 * as {@code external}, and told apart where it is read (see {@link Manifest.Disk#cut()} and
 * {@code plan/DiskChange}).
 */
public enum CutMode {
    /** A named snapshot inside the qcow2 image. */
    INTERNAL("internal"),
    /** The file is frozen and a new qcow2 overlay on it becomes the active layer. */
    EXTERNAL("external"),
    /**
     * A raw disk QEMU does not serve (xl: blkback), copied with {@code cp --reflink=always} while the domain is
     * paused: the copy is the frozen file (or a clone's own disk), and no overlay goes on the domain's disk.
     */
    REFLINK_COPY("external"),
    /** Not in the snapshot. */
    EXCLUDED("excluded");

    private final String word;

    CutMode(String word) {
        this.word = word;
    }

    /** The word manifests and plans keep: a reflink copy is {@code external}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String word() {
        return word;
    }

    /** An external cut of either kind: the state is in a frozen file. */
    public boolean external() {
        return this == EXTERNAL || this == REFLINK_COPY;
    }

    /** The mode a manifest's or plan's word names (a reflink copy is told apart by the caller); null for null. */
    public static CutMode ofWord(String word) {
        if (word == null) {
            return null;
        }
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "internal" -> INTERNAL;
            case "external" -> EXTERNAL;
            case "excluded" -> EXCLUDED;
            default -> throw new IllegalArgumentException("unknown disk mode '" + word + "' (internal, external, excluded)");
        };
    }
}
