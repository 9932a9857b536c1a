package io.xsnap.apply;

import io.xsnap.host.HostException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The free space a change needs, added up per filesystem and checked before the change touches a domain:
 * a store that cannot take a memory save or a new layer is found before a guest is paused or stopped, not
 * by the write that fails halfway. What fills the store afterwards (another writer) is still caught by the
 * write itself: a short write is a failed step.
 */
final class SpaceCheck {
    /** A new qcow2 overlay: its header, L1 and refcount tables, and the first clusters the guest writes. */
    static final long OVERLAY = 1L << 20;
    /** A manifest, its temp file, a marker. */
    static final long MANIFEST = 256L << 10;

    private final Map<FileStore, Long> need = new LinkedHashMap<>();
    private final Map<FileStore, List<String>> what = new LinkedHashMap<>();
    private final Map<FileStore, Path> where = new LinkedHashMap<>();

    /** {@code bytes} will be written at {@code path} (which may not exist yet). */
    SpaceCheck add(Path path, long bytes, String why) throws IOException {
        FileStore fs = Files.getFileStore(existingAncestor(path));
        need.merge(fs, bytes, Long::sum);
        what.computeIfAbsent(fs, k -> new ArrayList<>()).add(why + " " + mib(bytes));
        where.putIfAbsent(fs, path);
        return this;
    }

    /** Throws a {@link HostException} naming the filesystem, what needs the space and how much is free. */
    void check(String change) throws IOException {
        for (Map.Entry<FileStore, Long> e : need.entrySet()) {
            long free = e.getKey().getUsableSpace();
            if (free < e.getValue()) {
                throw new HostException(change + ": not enough free space on the filesystem of " + where.get(e.getKey())
                        + " (" + e.getKey() + "): it needs " + mib(e.getValue()) + " (" + String.join(", ",
                        what.get(e.getKey())) + "), " + mib(free) + " are free; nothing was changed");
            }
        }
    }

    private static Path existingAncestor(Path path) {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        return p == null ? Path.of("/") : p;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
