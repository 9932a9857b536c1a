package io.xsnap.fuzz;

import java.nio.file.Path;

/**
 * One header reader under fuzzing: it reads a file and either returns what it parsed or throws its own
 * clear error. {@link BoundedRun} holds every case to the same rules.
 *
 * <p>Targets today: the qcow2 reader ({@code io.xsnap.host.image.Qcow2FuzzPropertiesTest}).
 * TODO(xl): the xl save header reader (host/xl, being written by the xl driver's engineer) plugs in here:
 * a {@code FuzzTarget} whose {@link #read} calls it and whose {@link #isClearError} accepts its exception,
 * plus a properties class like Qcow2FuzzPropertiesTest that mutates real {@code xl save} headers.
 */
public interface FuzzTarget {
    /** For messages: "qcow2 reader". */
    String name();

    /** Parses {@code file}; returns what it read. */
    Object read(Path file);

    /** Whether {@code e} is the reader's own, documented error (with a message that names the file). */
    boolean isClearError(Throwable e);
}
