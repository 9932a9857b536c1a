package io.xsnap.cli;

import io.xsnap.plan.Planner;
import io.xsnap.spec.DiskMode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap create}: take one snapshot now. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Take a snapshot of a domain now (memory + disks unless --disk-only).")
public final class CreateCommand implements Callable<Integer> {
    static final DateTimeFormatter DEFAULT_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Option(names = "--name", description = "Snapshot name (default: the time in UTC, YYYYMMDDTHHMMSSZ).")
    String name;

    @Option(names = "--live", description = "Copy memory while the domain runs; the pause at the end is short.")
    boolean live;

    @Option(names = "--disk-only", description = "Disks only, no memory (crash-consistent, no pause).")
    boolean diskOnly;

    @Option(names = "--disk", paramLabel = "VDEV=MODE",
            description = "Mode of one disk: internal, external, exclude or auto (default auto). Repeatable.")
    Map<String, String> disks = new LinkedHashMap<>();

    @Option(names = "--xl-config", paramLabel = "FILE",
            description = "xl: the domain's xl config file (the one it was created from); a revert restores with a "
                    + "copy whose disks point at the reverted layers. A snapshot keeps the file's text.")
    java.nio.file.Path xlConfig;

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
        Names.check(spec.commandLine(), "domain", domain);
        if (name != null) {
            Names.check(spec.commandLine(), "--name", name);
        }
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig);
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new Planner(ctx.layout, now).create(actual, domain,
                        name != null ? name : DEFAULT_NAME.format(now), !diskOnly, live, modes),
                plan -> true, null);
    }
}
