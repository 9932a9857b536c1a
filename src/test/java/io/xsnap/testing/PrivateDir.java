package io.xsnap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory that is safe for guest memory outside the store (a snapshot cfgfile's memory_path): the temp dirs of
 * JUnit are not (they lie under the sticky, world-writable /tmp), so it is made 0700 under the build's
 * {@code target/} directory (whose parents must be closed to writes by others too), and removed by {@link #close}.
 */
public final class PrivateDir implements AutoCloseable {
    private final Path dir;

    public PrivateDir(String name) {
        try {
            Path base = Path.of("target", "private-dirs").toAbsolutePath().normalize();
            Files.createDirectories(base);
            dir = Files.createTempDirectory(base, name + "-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    @Override
    public void close() {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
