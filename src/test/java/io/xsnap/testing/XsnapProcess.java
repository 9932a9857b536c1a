package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs xsnap as a separate JVM (the real CLI, {@code io.xsnap.cli.Main}, on the test classpath: the classes
 * the jar is built from), so a test can SIGKILL it. With a kill point the process is started with
 * {@code XSNAP_TEST_KILL_AT}; when it reports that it stopped there, it is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) and its pid awaited.
 */
public final class XsnapProcess {
    private static final String MARKER = "xsnap-test: stopped at ";
    private final List<String> hostOptions;
    private final Map<String, String> env;
    private final Path scratch;

    /** @param scratch where the process's stdout and stderr go */
    public XsnapProcess(Path store, Path qemuDir, Path scratch) {
        this(List.of("--store", store.toString(), "--driver", "qemu", "--qemu-dir", qemuDir.toString()), scratch,
                Map.of());
    }

    /**
     * xsnap with other host options (the xl driver on the stand-in) and more environment (the stand-in's knobs).
     *
     * @param hostOptions what follows the subcommand, before its arguments
     */
    public XsnapProcess(List<String> hostOptions, Path scratch, Map<String, String> env) {
        this.hostOptions = List.copyOf(hostOptions);
        this.scratch = scratch;
        this.env = Map.copyOf(env);
    }

    /** What one process did: its exit code (137 when killed), output, and the step it was stopped at. */
    public record Run(int code, String out, String err, String stoppedAt) {
        @Override
        public String toString() {
            return "exit " + code + (stoppedAt == null ? "" : " (killed at " + stoppedAt + ")") + "\n--- out\n" + out
                    + "--- err\n" + err;
        }
    }

    /** Starts {@code xsnap SUBCOMMAND --store S --driver qemu --qemu-dir Q ARGS...} without waiting. */
    public Started start(String killAt, String subcommand, String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                "io.xsnap.cli.Main", subcommand));
        argv.addAll(hostOptions);
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        Map<String, String> env = pb.environment();
        env.putAll(this.env);
        env.remove("XSNAP_TEST_KILL_AT");
        if (killAt != null) {
            env.put("XSNAP_TEST_KILL_AT", killAt);
        }
        String id = subcommand + "-" + System.nanoTime();
        Path out = scratch.resolve(id + ".out");
        Path err = scratch.resolve(id + ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        try {
            return new Started(pb.start(), killAt, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to the end, or to the kill point and SIGKILL; fails the test if a kill point is never reached. */
    public Run run(String killAt, String subcommand, String... args) {
        return start(killAt, subcommand, args).await();
    }

    /** A running xsnap process. */
    public static final class Started {
        private final Process process;
        private final String killAt;
        private final Path out;
        private final Path err;

        Started(Process process, String killAt, Path out, Path err) {
            this.process = process;
            this.killAt = killAt;
            this.out = out;
            this.err = err;
        }

        /** SIGKILLs the process now, wherever it is, and waits until it is gone. */
        public void kill() {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Waits until the process reports it stopped at its kill point, and leaves it there (holding the lock). */
        public String awaitStopped() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                String stopped = stoppedAt();
                if (stopped != null) {
                    return stopped;
                }
                if (!process.isAlive()) {
                    fail("xsnap ended before its kill point " + killAt + ":\n" + read(err));
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            process.destroyForcibly();
            throw new AssertionError("xsnap never reached " + killAt);
        }

        /** Runs to the end, or (with a kill point) until it stops there and is killed with SIGKILL. */
        public Run await() {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                String stopped = null;
                while (process.isAlive() && System.nanoTime() < deadline) {
                    if (killAt != null) {
                        stopped = stoppedAt();
                        if (stopped != null) {
                            process.destroyForcibly();
                            process.waitFor();
                            break;
                        }
                    }
                    process.waitFor(20, TimeUnit.MILLISECONDS);
                }
                if (process.isAlive()) {
                    process.destroyForcibly();
                    process.waitFor();
                    fail("xsnap did not end within 120 s:\n" + read(err));
                }
                int code = process.waitFor();
                stopped = stopped != null ? stopped : stoppedAt();
                Run run = new Run(code, read(out), read(err), stopped);
                if (killAt != null && stopped == null) {
                    fail("xsnap never reached the kill point " + killAt + ": " + run);
                }
                return run;
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        private String stoppedAt() {
            for (String line : read(err).split("\n")) {
                int at = line.indexOf(MARKER);
                if (at >= 0) {
                    return line.substring(at + MARKER.length()).strip();
                }
            }
            return null;
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }
}
