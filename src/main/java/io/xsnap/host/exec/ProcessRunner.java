package io.xsnap.host.exec;

import java.util.function.Consumer;

/** Runs external commands. The one way xsnap starts a process, so tests can replace it. */
public interface ProcessRunner {
    /** Runs the command to completion; a non-accepted exit code or a timeout throws {@link CommandException}. */
    CommandResult run(Command command);

    /**
     * {@link #run(Command)}, handing each piece of standard output that ends in {@code \r} or {@code \n} (a line, or
     * one reading of a progress meter) to {@code pieces} as it comes. The default hands them over at the end.
     */
    default CommandResult run(Command command, Consumer<String> pieces) {
        CommandResult result = run(command);
        OutputPieces.split(result.stdout(), pieces);
        return result;
    }
}
