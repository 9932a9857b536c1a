package io.xsnap.cli;

import io.xsnap.plan.ClonePlanner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap delete-clone}: destroy a clone and remove its own overlays; the shared frozen files stay. */
@Command(name = "delete-clone", mixinStandardHelpOptions = true,
        description = "Destroy a clone and remove its own overlays and record; the snapshot's frozen files it was "
                + "made on stay.")
public final class DeleteCloneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

    @Parameters(index = "0", paramLabel = "CLONE")
    String name;

    @Override
    public Integer call() {
        Names.check(spec.commandLine(), "clone", name);
        HostContext ctx = new HostContext(host);
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new ClonePlanner(ctx.layout, now).deleteClone(actual, name), plan -> true, null);
    }
}
