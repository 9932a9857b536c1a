package io.xsnap.observe;

/**
 * A complete snapshot of the store with what observing found of its own files.
 *
 * @param memorySize the size of its memory file, or -1 when the manifest names one that is missing
 *                   (0 for a disk-only snapshot)
 */
public record StoredSnapshot(Manifest manifest, long memorySize) {
    public String domain() {
        return manifest.domain();
    }

    public String name() {
        return manifest.name();
    }
}
