package io.xsnap.host.exec;

/** Runs external commands. The one way xsnap starts a process, so tests can replace it. */
public interface ProcessRunner {
    /** Runs the command to completion; a non-accepted exit code or a timeout throws {@link CommandException}. */
    CommandResult run(Command command);
}
