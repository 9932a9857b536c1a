package io.xsnap.cli;

import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xsnap backup}: export a domain's disks as of one instant, the domain running on, its chain unchanged. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Cut every disk at one instant (disk-only, no pause; xl: a brief pause while a raw blkback disk is "
                + "copied by reflink), export the frozen state to standalone files in DIR with a JSON manifest (sizes, "
                + "sha256), then merge the temporary snapshot back.")
public final class BackupCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "Where the exported files go.")
    Path to;

    @Option(names = "--format", paramLabel = "qcow2|raw", description = "Format of the exported files (default qcow2).")
    String format = "qcow2";

    @Option(names = "--compress", description = "Compress the exported qcow2 files.")
    boolean compress;

    @Override
    public Integer call() {
        checkName("domain", domain);
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--format must be qcow2 or raw");
        }
        if (compress && format.equals("raw")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--compress needs --format qcow2");
        }
        Change.Export export = new Change.Export(to.toAbsolutePath().normalize(), format, compress);
        HostContext ctx = new HostContext(host);
        return change(ctx, (actual, now) -> new ClonePlanner(ctx.layout, now).backup(actual, domain,
                        "backup-" + CreateCommand.DEFAULT_NAME.format(now), export));
    }
}
