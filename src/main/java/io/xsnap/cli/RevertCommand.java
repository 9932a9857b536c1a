package io.xsnap.cli;

import io.xsnap.plan.Planner;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap revert}: put a domain back to a snapshot. */
@Command(name = "revert", mixinStandardHelpOptions = true,
        description = "Put a domain back to a snapshot: disks, and memory when the snapshot has it. "
                + "A disk-only snapshot comes back as a cold start.")
public final class RevertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

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

    @Option(names = "--xl-config", paramLabel = "FILE",
            description = "xl: the domain's xl config file (the one it was created from); a revert restores with a "
                    + "copy whose disks point at the reverted layers. A snapshot keeps the file's text.")
    java.nio.file.Path xlConfig;

    @Override
    public Integer call() {
        Names.check(spec.commandLine(), "domain", domain);
        Names.check(spec.commandLine(), "snapshot", snapshot);
        String after = runAfter.running ? "running" : runAfter.paused ? "paused" : null;
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig);
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new Planner(ctx.layout, now).revert(actual, domain, snapshot, after, force),
                plan -> true, null);
    }
}
