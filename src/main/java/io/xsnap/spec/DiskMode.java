package io.xsnap.spec;

import java.util.Locale;

/** How a snapshot treats one disk. AUTO = internal for qcow2, external for raw. */
public enum DiskMode {
    INTERNAL, EXTERNAL, EXCLUDE, AUTO;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DiskMode of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }

    /** The concrete mode for a disk of this format: never AUTO. */
    public DiskMode resolve(String format) {
        return this == AUTO ? ("qcow2".equals(format) ? INTERNAL : EXTERNAL) : this;
    }
}
