package io.xsnap.testing;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ExecRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A small tmpfs (the tests run as root) to stand for a store that fills up: {@link #fill} leaves exactly so
 * many bytes free by writing a filler file beside the store, {@link #unfill} frees them. {@link #close()}
 * unmounts it.
 */
public final class Tmpfs implements AutoCloseable {
    private final ExecRunner runner = new ExecRunner();
    private final Path dir;
    private final Path filler;

    private Tmpfs(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    /** Mounts a tmpfs of {@code bytes} (mode 0700) on {@code dir}, which is created. */
    public static Tmpfs mount(Path dir, long bytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Tmpfs fs = new Tmpfs(dir);
        fs.runner.run(Command.of("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", dir.toString())
                .withTimeout(Duration.ofSeconds(30)));
        return fs;
    }

    public Path dir() {
        return dir;
    }

    public long free() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Grows the filler file until only {@code leave} bytes are free (or none, if less could be written). */
    public void fill(long leave) {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            long more;
            while ((more = free() - leave) > 0) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), more));
                ch.write(chunk);
            }
        } catch (IOException e) {
            if (free() > leave) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public void unfill() {
        try {
            Files.deleteIfExists(filler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        runner.run(Command.of("umount", "-l", dir.toString()).accepting(0, 1, 32).withTimeout(Duration.ofSeconds(30)));
    }
}
