package io.xsnap.testing;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pretend Xen host for tests: an {@code xl} that is the test-only stand-in
 * (src/test/resources/io/xsnap/testing/xl_standin.py, see its header), whose domains are real QEMU guests
 * serving their disks the way Xen's QEMU serves qdisk disks, with QMP sockets at
 * {@code <run-dir>/qmp-libxl-<domid>}.
 *
 * <ul>
 *   <li>{@link #xl()}: the {@code xl} wrapper to give xsnap ({@code --xl}), {@link #runDir()} its
 *       {@code --xen-run-dir}; {@link #xsnap} runs a command with both and {@code --driver xl};</li>
 *   <li>{@link #config} writes an xl config file, {@link #create} starts a domain from one;</li>
 *   <li>{@link #guest} reads and writes a domain's disks as its guest would ({@link XenGuest}).</li>
 * </ul>
 * {@link #close()} kills (SIGKILL, by pid) every QEMU the stand-in started. Images come from the embedded
 * {@link GuestLab} ({@link #images()}).
 */
public final class XenLab implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path root;
    private final Path state;
    private final Path runDir;
    private final Path xl;
    private final GuestLab images;

    public XenLab(Path root) {
        this.root = root.toAbsolutePath();
        this.state = this.root.resolve("xen-state");
        this.runDir = this.root.resolve("run-xen");
        this.xl = this.root.resolve("bin").resolve("xl");
        this.images = new GuestLab(this.root);
        try {
            Files.createDirectories(state);
            Files.createDirectories(runDir);
            Files.createDirectories(xl.getParent());
            Path script = Path.of(XenLab.class.getResource("xl_standin.py").toURI());
            // --as: the stand-in's command line names this xl before "save ... DOMID", as real xl's does (the driver
            // looks for a save left running by a killed xsnap that way)
            Files.writeString(xl, "#!/bin/sh\n# test-only stand-in for Xen's xl (see " + script + ")\nexec python3 -S '"
                    + script + "' --state '" + state + "' --run-dir '" + runDir + "' --as \"$0\" \"$@\"\n");
            Files.setPosixFilePermissions(xl, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** The next {@code n} creates and restores fail at once, leaving nothing (see xl_standin.py, fail-starts). */
    public void failStarts(int n) {
        try {
            Files.writeString(state.resolve("fail-starts"), Integer.toString(n));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Path runDir() {
        return runDir;
    }

    public Path xl() {
        return xl;
    }

    public GuestLab images() {
        return images;
    }

    /** Writes {@code root/<name>.cfg}: name, 64 MiB, and the given disk specifications. */
    public Path config(String name, String... disks) {
        StringBuilder cfg = new StringBuilder("# xl config of " + name + " (test)\nname = \"" + name
                + "\"\nmemory = 64\ntype = \"hvm\"\ndisk = [\n");
        for (String d : disks) {
            cfg.append("    '").append(d).append("',\n");
        }
        cfg.append("]\n");
        Path file = root.resolve(name + ".cfg");
        try {
            Files.writeString(file, cfg.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Appends settings ({@code uuid = "..."}, {@code vif = [...]}) to a config file {@link #config} wrote. */
    public Path append(Path config, String... lines) {
        try {
            Files.writeString(config, Files.readString(config) + String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    /** {@code xl create CFG}: a running domain. */
    public XenGuest create(Path config) {
        xl("create", config.toString());
        String name = config.getFileName().toString().replaceFirst("\\.cfg$", "");
        return guest(name);
    }

    /** Runs the stand-in. */
    public CommandResult xl(String... args) {
        List<String> argv = new ArrayList<>(List.of(xl.toString()));
        argv.addAll(List.of(args));
        return images.runner().run(Command.of(argv).withTimeout(Duration.ofSeconds(60)));
    }

    public XenGuest guest(String name) {
        return new XenGuest(this, name);
    }

    /** Whether {@code xl list} shows a domain of that name. */
    public boolean listed(String name) {
        return domainRecord(name) != null;
    }

    /** The stand-in's record of a running domain, or null. */
    JsonNode domainRecord(String name) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(state.resolve("domains"), "*.json")) {
            for (Path f : files) {
                JsonNode d = JSON.readTree(Files.readString(f));
                if (name.equals(d.path("config").path("c_info").path("name").asString(""))) {
                    return d;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return null;
    }

    /** Makes {@code xl list} show the domain shut down for {@code reason} (poweroff, crash) or dying. */
    public void markShutdown(String name, String reason) {
        ObjectNode d = (ObjectNode) domainRecord(name);
        d.put("shutdown", reason);
        try {
            Files.writeString(state.resolve("domains").resolve(d.path("domid").asLong() + ".json"),
                    JSON.writeValueAsString(d), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code xsnap SUB --store STORE --driver xl --xen-run-dir RUN --xl XL ARGS...} in-process. */
    public Cli.Run xsnap(Path store, String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(subcommand, "--store", store.toString(), "--driver", "xl",
                "--xen-run-dir", runDir.toString(), "--xl", xl.toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    /** xsnap as a separate JVM with the xl driver on this stand-in, for tests that kill it; {@code env} reaches xl. */
    public XsnapProcess process(Path store, Map<String, String> env) {
        return new XsnapProcess(List.of("--store", store.toString(), "--driver", "xl", "--xen-run-dir", runDir.toString(),
                "--xl", xl.toString()), root, env);
    }

    /** Kills every QEMU the stand-in started (SIGKILL, by the pid in its pid files) and waits for them. */
    @Override
    public void close() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(state, "qemu-*.pid")) {
            for (Path f : files) {
                try {
                    pids.add(Long.parseLong(Files.readString(f).strip()));
                } catch (NumberFormatException e) {
                    // a pid file QEMU had not finished writing
                }
            }
        } catch (IOException e) {
            // nothing started
        }
        for (long pid : pids) {
            if (GuestLab.isQemu(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        pids.forEach(GuestLab::awaitGone);
        images.close();
    }
}
