package io.xsnap.cli;

import io.xsnap.plan.ClonePlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xsnap delete-clone}: destroy a clone and remove its own overlays; the shared frozen files stay. */
@Command(name = "delete-clone", mixinStandardHelpOptions = true,
        description = "Destroy a clone and remove its own overlays and record; the snapshot's frozen files it was "
                + "made on stay.")
public final class DeleteCloneCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "CLONE")
    String name;

    @Override
    public Integer call() {
        checkName("clone", name);
        HostContext ctx = new HostContext(host);
        return change(ctx, (actual, now) -> new ClonePlanner(ctx.layout, now).deleteClone(actual, name));
    }
}
