package io.xsnap.cli;

import io.xsnap.host.RunState;
import io.xsnap.plan.Planner;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xsnap snapshot-revert DOMAIN CFGFILE}: the Xen domain-snapshot interface over {@code revert}. */
@Command(name = "snapshot-revert", mixinStandardHelpOptions = true,
        description = "Put a domain back to the snapshot its cfgfile names (name=\"...\"), the Xen way.")
public final class SnapshotRevertCommand extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "CFGFILE")
    Path cfgfile;

    @Option(names = "--running", description = "Leave the domain running (default: as the snapshot was taken).")
    boolean running;

    @Option(names = "--force", description = "Revert even though the domain's current state is lost.")
    boolean force;

    @Mixin
    XlConfigOption xlConfig;

    @Override
    public Integer call() {
        checkName("domain", domain);
        SnapshotCfgFile cfg = SnapshotCfgFile.read(cfgfile);
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig.file);
        return change(ctx, (actual, now) -> new Planner(ctx.layout, now).revert(actual, domain, cfg.name(),
                        running ? RunState.RUNNING : null, force));
    }
}
