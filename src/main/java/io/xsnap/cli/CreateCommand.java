package io.xsnap.cli;

import io.xsnap.plan.Planner;
import io.xsnap.spec.DiskMode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xsnap create}: take one snapshot now. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Take a snapshot of a domain now (memory + disks unless --disk-only).")
public final class CreateCommand extends ChangeCommand {
    static final DateTimeFormatter DEFAULT_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Option(names = "--name", description = "Snapshot name (default: the time in UTC, YYYYMMDDTHHMMSSZ).")
    String name;

    @Option(names = "--description", paramLabel = "TEXT", description = "A note kept with the snapshot (xsnap list shows it).")
    String description;

    @Option(names = "--live", description = "Copy memory while the domain runs; the pause at the end is short.")
    boolean live;

    @Option(names = "--disk-only", description = "Disks only, no memory (crash-consistent, no pause).")
    boolean diskOnly;

    @Option(names = "--disk", paramLabel = "VDEV=MODE",
            description = "Mode of one disk: internal, external, exclude or auto (default auto). Repeatable.")
    Map<String, String> disks = new LinkedHashMap<>();

    @Mixin
    XlConfigOption xlConfig;

    @Override
    public Integer call() {
        if (live && diskOnly) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--live and --disk-only exclude each other");
        }
        Map<String, DiskMode> modes = new LinkedHashMap<>();
        disks.forEach((vdev, mode) -> {
            Names.checkDisk(spec.commandLine(), vdev);
            try {
                modes.put(vdev, DiskMode.of(mode));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--disk " + vdev + "=" + mode + ": mode must be internal, external, exclude or auto");
            }
        });
        checkName("domain", domain);
        if (name != null) {
            checkSnapshotName("--name", name);
        }
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig.file);
        return change(ctx, (actual, now) -> new Planner(ctx.layout, now).create(actual, domain,
                        name != null ? name : DEFAULT_NAME.format(now), !diskOnly, live, modes).describing(description));
    }
}
