package io.xsnap.host.exec;

import io.xsnap.host.HostException;

/** A command that failed, timed out or could not start; the message names it, its exit code and stderr. */
public final class CommandException extends HostException {
    private final transient CommandResult result;

    public CommandException(Command command, CommandResult result, String why) {
        super(command.display() + ": " + why + (result == null || result.stderr().isBlank()
                ? "" : ": " + result.stderr().strip()));
        this.result = result;
    }

    /** The result when the command ran to completion, else null. */
    public CommandResult result() {
        return result;
    }
}
