package io.xsnap.cli;

import io.xsnap.plan.Planner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap delete}: remove one snapshot, keeping every other snapshot and the running state intact. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a snapshot. External layers are merged so every other snapshot and the running "
                + "state stay intact; files another chain uses are never deleted.")
public final class DeleteCommand implements Callable<Integer> {
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

    @Override
    public Integer call() {
        Names.check(spec.commandLine(), "domain", domain);
        Names.check(spec.commandLine(), "snapshot", snapshot);
        HostContext ctx = new HostContext(host);
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new Planner(ctx.layout, now).delete(actual, domain, snapshot), plan -> true, null);
    }
}
