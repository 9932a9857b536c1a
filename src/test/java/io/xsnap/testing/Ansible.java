package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Real Ansible for tests (Debian's ansible-core): the collection {@code xsnap.xen} installed from the
 * repository's {@code ansible/} with {@code ansible-galaxy collection install}, as a user would, into a
 * scratch directory; then {@code ansible-playbook} and {@code ansible-doc} runs with that collection, with
 * Ansible's own files kept in the scratch directory too and no XSNAP_* variables of the caller leaking in.
 *
 * <p>Without ansible-playbook on the PATH the tests are skipped, except in CI (env CI=true), where they fail:
 * {@code ./ci/test.sh} installs ansible-core.
 */
public final class Ansible {
    private static final long TIMEOUT_SECONDS = 180;
    private static final Pattern RECAP = Pattern.compile("(?m)^(\\S+)\\s*: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)"
            + "\\s+failed=(\\d+)\\s+skipped=(\\d+)\\s+rescued=(\\d+)\\s+ignored=(\\d+)");

    private final Path scratch;
    private final Path collections;

    private Ansible(Path scratch) {
        this.scratch = scratch;
        this.collections = scratch.resolve("collections");
    }

    /** Skips the test (fails it in CI) unless ansible-playbook, ansible-galaxy and ansible-doc are on the PATH. */
    public static void requireInstalled() {
        for (String tool : List.of("ansible-playbook", "ansible-galaxy", "ansible-doc")) {
            if (!onPath(tool)) {
                String why = tool + " is not on the PATH; ./ci/test.sh installs it (apt-get install ansible-core)";
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    fail(why);
                }
                Assumptions.abort(why);
            }
        }
    }

    /** Installs the collection from {@code repo/ansible} into {@code scratch/collections}. */
    public static Ansible install(Path repo, Path scratch) {
        requireInstalled();
        Ansible a = new Ansible(scratch.toAbsolutePath());
        try {
            Files.writeString(a.scratch.resolve("ansible.cfg"), "[defaults]\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Run r = a.run(List.of("ansible-galaxy", "collection", "install", repo.resolve("ansible").toString(),
                "-p", a.collections.toString()));
        if (r.code() != 0 || !Files.isDirectory(a.collections.resolve("ansible_collections/xsnap/xen"))) {
            fail("ansible-galaxy collection install failed:\n" + r.output());
        }
        return a;
    }

    /** What one run printed (stdout and stderr together) and its exit code. */
    public record Run(int code, String output) {
        /** The PLAY RECAP line of {@code host}. */
        public Recap recap(String host) {
            Matcher m = RECAP.matcher(output);
            while (m.find()) {
                if (m.group(1).equals(host)) {
                    return new Recap(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                            Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), Integer.parseInt(m.group(7)),
                            Integer.parseInt(m.group(8)));
                }
            }
            throw new AssertionError("no PLAY RECAP line for " + host + " in:\n" + output);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n" + output;
        }
    }

    /** One host's counts in the PLAY RECAP. */
    public record Recap(int ok, int changed, int failed, int skipped, int rescued, int ignored) {
    }

    /** {@code ansible-playbook ARGS...} in the scratch directory. */
    public Run playbook(String... args) {
        List<String> argv = new ArrayList<>(List.of("ansible-playbook"));
        argv.addAll(List.of(args));
        return run(argv);
    }

    /** Runs an Ansible command with this collection, killing it and everything it started after 3 minutes. */
    public Run run(List<String> argv) {
        Path log = scratch.resolve("ansible-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(scratch.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("XSNAP_") || k.startsWith("ANSIBLE_"));
        env.put("XSNAP_TRUST_DIR", scratch.resolve("xsnap-trust").toString());
        env.put("LC_ALL", "C.UTF-8");
        env.put("LANG", "C.UTF-8");
        env.put("ANSIBLE_COLLECTIONS_PATH", collections.toString());
        env.put("ANSIBLE_CONFIG", scratch.resolve("ansible.cfg").toString());
        env.put("ANSIBLE_HOME", scratch.resolve("ansible-home").toString());
        env.put("ANSIBLE_LOCAL_TEMP", scratch.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_REMOTE_TMP", scratch.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_PYTHON_INTERPRETER", "auto_silent");
        env.put("ANSIBLE_NOCOLOR", "1");
        env.put("ANSIBLE_RETRY_FILES_ENABLED", "0");
        env.put("ANSIBLE_HOST_KEY_CHECKING", "0");
        try {
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", argv) + " did not finish in " + TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
