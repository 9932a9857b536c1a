package io.xsnap.testing;

import io.xsnap.cli.XsnapCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs xsnap commands in-process against a lab's qemu dir and a store, capturing output and exit code. */
public final class Cli {
    private final Path store;
    private final Path qemuDir;

    public Cli(Path store, Path qemuDir) {
        this.store = store;
        this.qemuDir = qemuDir;
    }

    /** What one command did. */
    public record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs {@code xsnap SUBCOMMAND --store S --driver qemu --qemu-dir Q ARGS...}. */
    public Run host(String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(subcommand, "--store", store.toString(), "--driver", "qemu",
                "--qemu-dir", qemuDir.toString()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** Runs {@code xsnap ARGS...} as given, as {@code Main} does (host options may come first). */
    public static Run run(String... given) {
        String[] args = XsnapCommand.hostOptionsAfterSubcommand(given);
        CommandLine cl = XsnapCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
