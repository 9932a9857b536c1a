package io.xsnap.cli;

import io.xsnap.plan.Planner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap snapshot-revert DOMAIN CFGFILE}: the Xen domain-snapshot interface over {@code revert}. */
@Command(name = "snapshot-revert", mixinStandardHelpOptions = true,
        description = "Put a domain back to the snapshot its cfgfile names (name=\"...\"), the Xen way.")
public final class SnapshotRevertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "CFGFILE")
    Path cfgfile;

    @Option(names = "--running", description = "Leave the domain running (default: as the snapshot was taken).")
    boolean running;

    @Option(names = "--force", description = "Revert even though the domain's current state is lost.")
    boolean force;

    @Option(names = "--xl-config", paramLabel = "FILE",
            description = "xl: the domain's xl config file, when the snapshot kept none (or to use another).")
    Path xlConfig;

    @Override
    public Integer call() {
        Names.check(spec.commandLine(), "domain", domain);
        SnapshotCfgFile cfg = SnapshotCfgFile.read(cfgfile);
        HostContext ctx = new HostContext(host);
        ctx.xlConfig(domain, xlConfig);
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new Planner(ctx.layout, now).revert(actual, domain, cfg.name(),
                        running ? "running" : null, force),
                plan -> true, null);
    }
}
