package io.xsnap.cli;

import io.xsnap.plan.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xsnap delete}: remove one snapshot, keeping every other snapshot and the running state intact. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a snapshot. External layers are merged so every other snapshot and the running "
                + "state stay intact; files another chain uses are never deleted.")
public final class DeleteCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "SNAPSHOT")
    String snapshot;

    @Override
    public Integer call() {
        checkName("domain", domain);
        checkSnapshotName("snapshot", snapshot);
        HostContext ctx = new HostContext(host);
        return change(ctx, (actual, now) -> new Planner(ctx.layout, now).delete(actual, domain, snapshot));
    }
}
