package io.xsnap.host.exec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

/**
 * {@link ProcessRunner} on Apache commons-exec: the argv passed exactly as built (no shell, no quoting, no
 * trimming), LC_ALL=C, output captured, watchdog.
 */
public final class ExecRunner implements ProcessRunner {

    @Override
    public CommandResult run(Command command) {
        return run(command, piece -> { });
    }

    /** Streams standard output to {@code pieces} while the command runs (from commons-exec's pump thread). */
    @Override
    public CommandResult run(Command command, Consumer<String> pieces) {
        CommandLine line = new ExactCommandLine(command.argv());
        OutputPieces out = new OutputPieces(pieces);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayInputStream in = command.stdin() == null ? null : new ByteArrayInputStream(command.stdin());
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(command.timeout()).get();
        DefaultExecutor executor = DefaultExecutor.builder().get();
        executor.setStreamHandler(new PumpStreamHandler(out, err, in));
        executor.setWatchdog(watchdog);
        executor.setExitValues(null);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("LC_ALL", "C");
        env.putAll(command.env());
        int code;
        try {
            code = executor.execute(line, env);
        } catch (ExecuteException e) {
            code = e.getExitValue();
        } catch (IOException e) {
            throw new CommandException(command, null, "could not start: " + e.getMessage());
        }
        out.close();
        CommandResult result = new CommandResult(command, code, out.toByteArray(),
                err.toString(StandardCharsets.UTF_8));
        if (watchdog.killedProcess()) {
            throw new CommandException(command, result, "timed out after " + command.timeout().toSeconds() + " s");
        }
        if (!command.okExitCodes().contains(code)) {
            throw new CommandException(command, result, "exit code " + code);
        }
        return result;
    }

    /**
     * commons-exec trims every argument (even with {@code addArgument(arg, false)}), so a file name with a
     * leading or trailing space would name another file. This command line hands the launcher the argv
     * exactly as xsnap built it; the launcher passes it to the kernel as an array, never through a shell.
     */
    private static final class ExactCommandLine extends CommandLine {
        private final String[] argv;

        ExactCommandLine(java.util.List<String> argv) {
            super(argv.get(0));
            this.argv = argv.toArray(String[]::new);
        }

        @Override
        public String[] toStrings() {
            return argv.clone();
        }

        @Override
        public String[] getArguments() {
            return java.util.Arrays.copyOfRange(argv, 1, argv.length);
        }
    }
}
