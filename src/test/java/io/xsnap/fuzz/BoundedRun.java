package io.xsnap.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The rules every fuzz case must keep: it ends in a parse or in the target's own clear error (no other
 * exception, no error whose message fails to name the file), allocates at most {@link #MAX_ALLOCATION}
 * bytes, and takes at most {@link #MAX_TIME}.
 */
public final class BoundedRun {
    /** The most one read may allocate: the reader's fixed windows plus what it returns. */
    public static final long MAX_ALLOCATION = 8L << 20;
    public static final Duration MAX_TIME = Duration.ofSeconds(1);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private BoundedRun() {
    }

    /** What one case ended in. */
    public record Outcome(Object parsed, Throwable error) {
        public boolean ok() {
            return error == null;
        }
    }

    /** Writes {@code bytes} to {@code file} and reads it with {@code target} under the rules. */
    public static Outcome check(FuzzTarget target, Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        Object parsed = null;
        Throwable error = null;
        try {
            parsed = target.read(file);
        } catch (Throwable e) { // the point of the check: anything but the clear error fails the case
            error = e;
        }
        long nanos = System.nanoTime() - start;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        String input = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 160));
        if (error != null && !target.isClearError(error)) {
            fail(target.name() + ": not a clear error on input " + input + "...: " + error, error);
        }
        if (error != null) {
            String message = error.getMessage();
            assertTrue(message != null && message.startsWith(file.toString()),
                    () -> target.name() + ": the message does not name the file: " + message);
        }
        assertTrue(allocated <= MAX_ALLOCATION, () -> target.name() + " allocated " + allocated + " bytes (bound "
                + MAX_ALLOCATION + ") on input " + input);
        assertTrue(nanos <= MAX_TIME.toNanos(), () -> target.name() + " took " + nanos / 1_000_000 + " ms on input "
                + input);
        return new Outcome(parsed, error);
    }
}
