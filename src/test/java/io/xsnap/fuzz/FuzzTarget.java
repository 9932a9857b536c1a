package io.xsnap.fuzz;

import java.nio.file.Path;

/**
 * One header reader under fuzzing: it reads a file and either returns what it parsed or throws its own
 * clear error. {@link BoundedRun} holds every case to the same rules.
 *
 * <p>Targets: the qcow2 reader ({@code io.xsnap.host.image.Qcow2FuzzPropertiesTest}) and the xl save header
 * reader ({@code io.xsnap.host.xl.XlSaveFuzzTest}).
 */
public interface FuzzTarget {
    /** For messages: "qcow2 reader". */
    String name();

    /** Parses {@code file}; returns what it read. */
    Object read(Path file);

    /** Whether {@code e} is the reader's own, documented error (with a message that names the file). */
    boolean isClearError(Throwable e);
}
