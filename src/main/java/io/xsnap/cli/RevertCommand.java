package io.xsnap.cli;

import io.xsnap.host.RunState;
import io.xsnap.plan.Planner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xsnap revert}: put a domain back to a snapshot. */
@Command(name = "revert", mixinStandardHelpOptions = true,
        description = "Put a domain back to a snapshot: disks, and memory when the snapshot has it. "
                + "A disk-only snapshot comes back as a cold start.")
public final class RevertCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "SNAPSHOT")
    String snapshot;

    @ArgGroup(exclusive = true)
    RunAfter runAfter = new RunAfter();

    @Option(names = "--force", description = "Revert even though the domain's current state is lost.")
    boolean force;

    static final class RunAfter {
        @Option(names = "--running", description = "Leave the domain running (default: as the snapshot was taken).")
        boolean running;

        @Option(names = "--paused", description = "Leave the domain paused.")
        boolean paused;
    }

    @Mixin
    XlConfigOption xlConfig;

    @Override
    public Integer call() {
        checkName("domain", domain);
        checkSnapshotName("snapshot", snapshot);
        RunState after = runAfter.running ? RunState.RUNNING : runAfter.paused ? RunState.PAUSED : null;
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig.file);
        return change(ctx, (actual, now) -> new Planner(ctx.layout, now).revert(actual, domain, snapshot, after, force));
    }
}
