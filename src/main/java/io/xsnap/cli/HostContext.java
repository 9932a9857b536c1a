package io.xsnap.cli;

import io.xsnap.host.DomainDriver;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.host.exec.ProcessRunner;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemu.QemuDriver;
import io.xsnap.host.xl.Reflink;
import io.xsnap.host.xl.Xl;
import io.xsnap.host.xl.XlDriver;
import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageProbe;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StateReader;
import io.xsnap.observe.StoreLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Wires the host side for a command from its options: driver, image reader, store, observer. */
final class HostContext {
    final HostOptions options;
    final ProcessRunner runner;
    private JsonMapper json;
    final StoreLayout layout;
    private final Map<String, Path> xlConfigs = new TreeMap<>();

    HostContext(HostOptions options, ProcessRunner runner) {
        this.options = options;
        this.runner = runner;
        if (!options.store.isAbsolute()) {
            throw new XsnapExit(ExitCodes.USAGE, "--store must be an absolute path, not " + options.store);
        }
        if (options.trustDir == null || !options.trustDir.isAbsolute()) {
            throw new XsnapExit(ExitCodes.USAGE, "--trust-dir must be an absolute path, not " + options.trustDir);
        }
        this.layout = new StoreLayout(options.store);
    }

    HostContext(HostOptions options) {
        this(options, new ExecRunner());
    }

    /** The mapper for xsnap's JSON documents, made on first use (a plan printed as text needs none). */
    JsonMapper json() {
        if (json == null) {
            json = Json.mapper();
        }
        return json;
    }

    /** xl: the domain's xl config file (from --xl-config or a spec), which reverts derive the restore config from. */
    void xlConfig(String domain, Path file) {
        if (file != null) {
            xlConfigs.put(domain, file.toAbsolutePath().normalize());
        }
    }

    /** The driver --driver names; auto = xl when /proc/xen exists and xl is on PATH, else qemu. */
    DomainDriver driver() {
        String name = options.driver;
        if ("auto".equals(name)) {
            name = Files.isDirectory(Path.of("/proc/xen")) && onPath("xl") ? "xl" : "qemu";
        }
        return switch (name) {
            case "qemu" -> new QemuDriver(options.qemuDir, runner, made());
            case "xl" -> new XlDriver(new Xl(runner, options.xl), new Reflink(runner), options.xenRunDir,
                    layout.root(), xlConfigs, made());
            default -> throw new XsnapExit(ExitCodes.USAGE, "unknown driver '" + name + "' (expected qemu, xl or auto)");
        };
    }

    /** This store's directory of the records of files xsnap made outside it, in the persistent --trust-dir. */
    private Path made() {
        return io.xsnap.host.TrustedState.storeDir(options.trustDir, layout.root());
    }

    Observer observer(DomainDriver driver) {
        return new Observer(driver, ImageProbe.of(new ImageReader()), new SnapshotStore(layout));
    }

    /** The observed state: from {@code stateFile} when given, else from this host. */
    Actual actual(Path stateFile) {
        if (stateFile == null) {
            return observer(driver()).observe();
        }
        try {
            return StateReader.actual(Files.readAllBytes(stateFile));
        } catch (NoSuchFileException e) {
            throw new XsnapExit(ExitCodes.NOINPUT, "state file " + stateFile + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JacksonException e) {
            throw new XsnapExit(ExitCodes.DATAERR, stateFile + ": not an observed state: " + e.getOriginalMessage());
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
