package io.xsnap.host.xl;

import io.xsnap.host.HostException;
import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Cheap copies of raw disks that QEMU does not serve: {@code cp --reflink=always}, which shares the file's
 * blocks instead of copying them and fails rather than falling back to a full copy.
 */
public final class Reflink {
    /** Linux filesystems whose cp --reflink shares blocks (xfs only when made with reflink=1, the default since xfsprogs 5.1). */
    static final Set<String> FILESYSTEMS = Set.of("btrfs", "xfs", "ocfs2", "bcachefs");
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final ProcessRunner runner;

    public Reflink(ProcessRunner runner) {
        this.runner = runner;
    }

    /**
     * Whether {@code file} can be cloned into {@code dir} (which need not exist yet): both on the same
     * filesystem, of a kind that shares blocks. Reads only; an xfs made without reflink passes here and
     * fails at the copy, which then changes nothing.
     */
    public static boolean possible(Path file, Path dir) {
        try {
            Path existing = dir.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null || !Files.isRegularFile(file)) {
                return false;
            }
            if (!FILESYSTEMS.contains(Files.getFileStore(file).type())) {
                return false;
            }
            return Files.getAttribute(file, "unix:dev").equals(Files.getAttribute(existing, "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code cp --reflink=always SRC DST}; DST must not exist. */
    public void copy(Path source, Path target) {
        if (Files.exists(target)) {
            throw new HostException(target + ": already exists; a snapshot copy never overwrites a file");
        }
        runner.run(Command.of("cp", "--reflink=always", "--", source.toString(), target.toString()).withTimeout(TIMEOUT));
    }
}
