package io.xsnap.cli;

import picocli.CommandLine;

/** Entry point: wires the command tree and exits with the code the command returned. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(XsnapCommand.commandLine(args).execute(args));
    }
}
