package io.xsnap.host.exec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

/** {@link ProcessRunner} on Apache commons-exec: argv added unquoted, LC_ALL=C, output captured, watchdog. */
public final class ExecRunner implements ProcessRunner {

    @Override
    public CommandResult run(Command command) {
        CommandLine line = new CommandLine(command.argv().get(0));
        for (String arg : command.argv().subList(1, command.argv().size())) {
            line.addArgument(arg, false);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
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
}
