package io.xsnap.cli;

import io.xsnap.host.RunState;
import io.xsnap.plan.ClonePlanner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xsnap clone}: a new domain from a snapshot, on its own overlays over the snapshot's frozen files. */
@Command(name = "clone", mixinStandardHelpOptions = true,
        description = "Make a new domain from a snapshot: new qcow2 overlays on the snapshot's frozen files (shared by "
                + "every clone of it; xl: a raw blkback disk gets its own reflink copy), and its start derived from the "
                + "source's with a new name, disks, MACs and UUID.")
public final class CloneCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "SNAPSHOT")
    String snapshot;

    @Option(names = "--to", required = true, paramLabel = "NEW-DOMAIN", description = "The clone's name.")
    String to;

    @Option(names = "--start", description = "Start the clone (from the snapshot's memory when it has one).")
    boolean start;

    @Option(names = "--paused", description = "With --start: leave the clone paused.")
    boolean paused;

    @Override
    public Integer call() {
        checkName("domain", domain);
        checkSnapshotName("snapshot", snapshot);
        checkName("--to", to);
        if (paused && !start) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--paused needs --start");
        }
        RunState runAfter = !start ? RunState.SHUTOFF : paused ? RunState.PAUSED : RunState.RUNNING;
        HostContext ctx = new HostContext(host);
        return change(ctx, (actual, now) -> new ClonePlanner(ctx.layout, now).clone(actual, domain, snapshot, to, runAfter));
    }
}
