package io.xsnap.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/** One xsnap run at a time per host (invariant 6): an exclusive lock on {@code <store>/.lock}. */
public final class HostLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private HostLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Waits up to {@code timeout} for the lock.
     *
     * @throws LockBusyException when another run still holds it
     */
    public static HostLock acquire(Path lockFile, Duration timeout) throws IOException {
        StoreFiles.ensureDir(lockFile.getParent());
        FileChannel ch = FileChannel.open(lockFile, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    return new HostLock(ch, l);
                }
                if (System.nanoTime() >= deadline) {
                    ch.close();
                    throw new LockBusyException("another xsnap run holds " + lockFile + " (waited "
                            + timeout.toSeconds() + " s; raise --lock-timeout to wait longer)");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new LockBusyException("interrupted while waiting for " + lockFile);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /** The lock is held by another run. */
    public static final class LockBusyException extends RuntimeException {
        public LockBusyException(String message) {
            super(message);
        }
    }
}
