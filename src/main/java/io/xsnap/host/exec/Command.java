package io.xsnap.host.exec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One external command: an argument array (never a shell string), the exit codes that count as
 * success, a timeout, optional standard input and extra environment.
 */
public record Command(List<String> argv, Set<Integer> okExitCodes, Duration timeout, byte[] stdin,
                      Map<String, String> env) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    public Command {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        argv = List.copyOf(argv);
        okExitCodes = Set.copyOf(okExitCodes);
        env = Map.copyOf(env);
    }

    public static Command of(String... argv) {
        return new Command(List.of(argv), Set.of(0), DEFAULT_TIMEOUT, null, Map.of());
    }

    public static Command of(List<String> argv) {
        return new Command(argv, Set.of(0), DEFAULT_TIMEOUT, null, Map.of());
    }

    public Command accepting(Integer... codes) {
        return new Command(argv, Set.of(codes), timeout, stdin, env);
    }

    public Command withTimeout(Duration t) {
        return new Command(argv, okExitCodes, t, stdin, env);
    }

    public Command withStdin(byte[] input) {
        return new Command(argv, okExitCodes, timeout, input, env);
    }

    /** The command as a person would type it, for messages only; never executed. */
    public String display() {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(a.isEmpty() || a.matches(".*[\\s'\"\\\\$`].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
        }
        return sb.toString();
    }
}
