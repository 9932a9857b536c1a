package io.xsnap.host.xl;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every {@code xl} call xsnap makes, built as an argument list here and run through the {@link ProcessRunner}.
 * Domains are addressed by domid, so a domain destroyed and re-created under the same name in between is
 * never acted on by mistake. Shapes from Xen's xl(1) and tools/xl/xl_saverestore.c.
 */
public final class Xl {
    private static final Duration SHORT = Duration.ofMinutes(1);
    /** Saving or restoring guest RAM: about a minute per GiB on a slow disk, so be generous. */
    private static final Duration LONG = Duration.ofHours(1);

    private final ProcessRunner runner;
    private final String binary;

    /** @param binary the xl executable: "xl" from PATH, or a path (the tests' stand-in) */
    public Xl(ProcessRunner runner, String binary) {
        this.runner = runner;
        this.binary = binary;
    }

    /** {@code xl list -l}: a JSON array of {@code {"domid": N, "config": {...}}}. */
    public String listLong() {
        return run(SHORT, "list", "-l").stdoutText();
    }

    /** {@code xl list}: the table with the State column. */
    public String list() {
        return run(SHORT, "list").stdoutText();
    }

    /**
     * {@code xl save -p DOMID FILE}: guest memory and the domain's config into FILE; the domain stays paused.
     * xl opens FILE with O_TRUNC, so a file made beforehand keeps its mode.
     */
    public void save(long domid, Path file) {
        run(LONG, "save", "-p", Long.toString(domid), file.toString());
    }

    /** {@code xl restore [-p] CONFIG FILE}: a new domain from the save file, its devices from CONFIG. */
    public void restore(Path config, Path file, boolean paused) {
        List<String> args = new ArrayList<>(List.of("restore"));
        if (paused) {
            args.add("-p");
        }
        args.add(config.toString());
        args.add(file.toString());
        run(LONG, args.toArray(String[]::new));
    }

    /** {@code xl create [-p] CONFIG}: a cold start (a disk-only snapshot's revert). */
    public void create(Path config, boolean paused) {
        List<String> args = new ArrayList<>(List.of("create"));
        if (paused) {
            args.add("-p");
        }
        args.add(config.toString());
        run(LONG, args.toArray(String[]::new));
    }

    /**
     * The processes of an {@code xl save ... DOMID ...} of this domain that still run (an interrupted xsnap run's: xl
     * outlives a killed xsnap), read from /proc: an argv that names this xl program, then {@code save}, then the domid.
     */
    public List<Long> savesRunning(long domid) {
        return running(Set.of("save"), Long.toString(domid));
    }

    /**
     * The processes of an {@code xl create ... CONFIG} or {@code xl restore ... CONFIG ...} of this config file that
     * still run (an interrupted xsnap run's start: xl outlives a killed xsnap, and a domain it is still restoring is not
     * yet in {@code xl list -l}).
     */
    public List<Long> startsRunning(Path config) {
        return running(Set.of("create", "restore"), config.toString());
    }

    /** Processes whose argv names this xl program, then one of {@code commands}, then {@code argument}. */
    private List<Long> running(Set<String> commands, String argument) {
        List<Long> out = new ArrayList<>();
        String self = Path.of(binary).getFileName().toString();
        try (java.util.stream.Stream<Path> procs = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String pid = proc.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> argv;
                try {
                    argv = List.of(new String(java.nio.file.Files.readAllBytes(proc.resolve("cmdline")),
                            java.nio.charset.StandardCharsets.UTF_8).split("\0"));
                } catch (java.io.IOException e) {
                    continue; // gone meanwhile, or not ours to read
                }
                int at = -1;
                for (int i = 0; i < argv.size() && at < 0; i++) {
                    String a = argv.get(i);
                    if (a.equals(binary) || a.equals(self) || a.endsWith("/" + self)) {
                        at = i;
                    }
                }
                int command = -1;
                for (int i = at + 1; at >= 0 && i < argv.size() && command < 0; i++) {
                    if (commands.contains(argv.get(i))) {
                        command = i;
                    }
                }
                if (command > 0 && argv.subList(command + 1, argv.size()).contains(argument)) {
                    out.add(Long.parseLong(pid));
                }
            }
        } catch (java.io.IOException e) {
            throw new io.xsnap.host.HostException("/proc: cannot list processes: " + e.getMessage(), e);
        }
        return out;
    }

    public void pause(long domid) {
        run(SHORT, "pause", Long.toString(domid));
    }

    public void unpause(long domid) {
        run(SHORT, "unpause", Long.toString(domid));
    }

    /** {@code xl destroy DOMID}: stops the domain at once. */
    public void destroy(long domid) {
        run(SHORT, "destroy", Long.toString(domid));
    }

    private CommandResult run(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add(binary);
        argv.addAll(List.of(args));
        return runner.run(Command.of(argv).withTimeout(timeout));
    }
}
