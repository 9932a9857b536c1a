package io.xsnap.cli;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.MemoryFile;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Planner;
import io.xsnap.spec.DiskMode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code xsnap snapshot-create}: the Xen domain-snapshot interface, an alias over the same planner and executor
 * as {@code create}. Three forms: no second argument (a memory snapshot named by --name or the time), a snapshot
 * cfgfile (see {@link SnapshotCfgFile}), or a directory that does not exist yet, created to hold the snapshot's
 * new files under well-known names ({@code <vdev>.qcow2}, {@code <vdev>.raw}).
 */
@Command(name = "snapshot-create", mixinStandardHelpOptions = true,
        description = {"Take a snapshot, the Xen way: snapshot-create DOMAIN [CFGFILE] [--name N] [--live], or "
                + "snapshot-create [--live] [--internal|--external] DOMAIN PATH.",
            "CFGFILE: name=\"...\", description=\"...\", memory_path=\"...\" (memory is saved when it is set, to "
                + "that new file, 0600, in a directory only root or you can write; it is deleted with the snapshot), "
                + "disks=['PATH,FORMAT,VDEV', ...] (empty PATH: internal; else the file the external snapshot creates). "
                + "PATH (must not exist): the directory for the snapshot's new files."})
public final class SnapshotCreateCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CFGFILE|PATH",
            description = "A snapshot cfgfile, or a directory to create for the snapshot's files.")
    Path target;

    @Option(names = "--name", description = "Snapshot name (overrides the cfgfile's name; default: the time in UTC).")
    String name;

    @Option(names = "--live", description = "Save memory while the domain runs (refused on xl: no live save without Xen's log-dirty mode, see docs/xen-lab.md).")
    boolean live;

    @ArgGroup(exclusive = true)
    Kind kind = new Kind();

    @Mixin
    XlConfigOption xlConfig;

    static final class Kind {
        @Option(names = "--internal", description = "Directory form: every disk internal.")
        boolean internal;

        @Option(names = "--external", description = "Directory form: every disk external, its new file in PATH.")
        boolean external;
    }

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        checkName("domain", domain);
        if (name != null) {
            checkSnapshotName("--name", name);
        }
        boolean cfgForm = target != null && Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (cfgForm && !Files.isRegularFile(target)) {
            throw new CommandLine.ParameterException(cl, target + " exists and is not a cfgfile; the directory form "
                    + "needs a PATH that does not exist yet");
        }
        if ((kind.internal || kind.external) && (target == null || cfgForm)) {
            throw new CommandLine.ParameterException(cl, "--internal and --external go with the directory form: "
                    + "snapshot-create [--internal|--external] DOMAIN PATH");
        }
        SnapshotCfgFile cfg = cfgForm ? SnapshotCfgFile.read(target) : null;
        Path dir = target == null || cfgForm ? null : target.toAbsolutePath().normalize();
        String snapshot = name != null ? name : cfg != null ? cfg.name() : dir != null ? dir.getFileName().toString() : null;
        if (snapshot != null) {
            checkSnapshotName("snapshot name", snapshot);
        }
        boolean memory = cfg == null || cfg.memoryPath() != null;
        Path memoryFile = cfg == null || cfg.memoryPath() == null ? null : Path.of(cfg.memoryPath());
        HostContext ctx = new HostContext(host);
        if (memoryFile != null) {
            checkMemoryPath(cfg, ctx.layout, null);
        }
        ctx.xlConfig(domain, xlConfig.file);
        return change(ctx, (actual, now) -> {
            Map<String, DiskMode> modes = new LinkedHashMap<>();
            Map<String, Path> layers = new LinkedHashMap<>();
            if (cfg != null) {
                if (memoryFile != null) {
                    checkMemoryPath(cfg, ctx.layout, actual);
                }
                fromCfg(actual, cfg, modes, layers);
            } else if (dir != null) {
                inDirectory(actual, dir, modes, layers);
            }
            return new Planner(ctx.layout, now).create(actual, domain,
                    snapshot != null ? snapshot : CreateCommand.DEFAULT_NAME.format(now), memory, live, modes, layers,
                    memoryFile)
                    .describing(cfg == null ? null : cfg.description());
        });
    }

    /**
     * The cfgfile's memory_path must name a new file in a safe directory outside the store
     * ({@link MemoryFile#outsideProblem}), and no file of an observed domain's chain ({@code actual}, when given).
     */
    private void checkMemoryPath(SnapshotCfgFile cfg, io.xsnap.observe.StoreLayout layout, Actual actual) {
        String raw = cfg.memoryPath();
        String where = target + ":" + cfg.memoryPathLine() + ": memory_path \"" + raw + "\"";
        String why = MemoryFile.outsideProblem(raw);
        if (raw.startsWith("/") && raw.indexOf('\0') < 0 && insideStore(layout, Path.of(raw))) {
            why = "it lies inside the store " + layout.root() + "; leave memory_path out: memory is kept in the store "
                    + "then (" + layout.domainDir(domain) + "/<snapshot>/" + io.xsnap.observe.StoreLayout.MEMORY + ")";
        }
        if (why == null && actual != null) {
            Path p = Path.of(raw);
            boolean inChain = actual.images().stream().anyMatch(i -> i.path().equals(p) || p.equals(i.backingPath()))
                    || actual.domains().stream().anyMatch(d -> d.disks().stream().anyMatch(k -> k.path().equals(p)));
            if (inChain) {
                why = "it is a file of a domain's disk chain";
            }
        }
        if (why != null) {
            throw new XsnapExit(ExitCodes.DATAERR, where + ": " + why + "; nothing was changed");
        }
    }

    /** Under the store by its name, or by where the file system finds its directory (the store's root may be a link). */
    private static boolean insideStore(io.xsnap.observe.StoreLayout layout, Path file) {
        if (layout.contains(file)) {
            return true;
        }
        try {
            Path root = layout.root();
            return Files.exists(root) && file.getParent().toRealPath().startsWith(root.toRealPath());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Listed disks: internal when PATH is empty, else external into PATH; unlisted disks: auto. */
    private void fromCfg(Actual actual, SnapshotCfgFile cfg, Map<String, DiskMode> modes, Map<String, Path> layers) {
        DomainInfo d = domainOf(actual);
        for (SnapshotCfgFile.Disk disk : cfg.disks().values()) {
            String where = target + ":" + disk.line() + ": disk " + disk.vdev();
            DiskInfo info = d == null ? null : d.disk(disk.vdev());
            if (d != null && info == null) {
                throw new XsnapExit(ExitCodes.DATAERR, where + ": " + domain + " has no such disk");
            }
            if (disk.path() == null) {
                modes.put(disk.vdev(), DiskMode.INTERNAL);
                continue;
            }
            modes.put(disk.vdev(), DiskMode.EXTERNAL);
            layers.put(disk.vdev(), disk.path());
            String made = info == null || info.node() != null ? "qcow2" : info.format();
            if (disk.format() != null && !disk.format().equals(made)) {
                throw new XsnapExit(ExitCodes.DATAERR, where + ": its external snapshot file is " + made + ", not "
                        + disk.format() + (made.equals("raw") ? " (a raw disk QEMU does not serve is copied as it is)" : ""));
            }
        }
    }

    /** Every disk in {@code dir} under a well-known name: internal, external, or auto (external ones in dir). */
    private void inDirectory(Actual actual, Path dir, Map<String, DiskMode> modes, Map<String, Path> layers) {
        DomainInfo d = domainOf(actual);
        if (d == null) {
            return;
        }
        for (DiskInfo disk : d.disks()) {
            DiskMode mode = kind.internal ? DiskMode.INTERNAL : kind.external ? DiskMode.EXTERNAL : DiskMode.AUTO;
            if (disk.readOnly() && mode == DiskMode.AUTO) {
                continue;
            }
            modes.put(disk.vdev(), mode);
            if (mode.resolve(disk.format()) == DiskMode.EXTERNAL || disk.node() == null) {
                layers.put(disk.vdev(), dir.resolve(disk.vdev() + (disk.node() == null ? "." + disk.format() : ".qcow2")));
            }
        }
    }

    private DomainInfo domainOf(Actual actual) {
        return actual.domains().stream().filter(x -> x.name().equals(domain)).findFirst().orElse(null);
    }
}
