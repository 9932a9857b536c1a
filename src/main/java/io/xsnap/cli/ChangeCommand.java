package io.xsnap.cli;

import io.xsnap.apply.Reconciler;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Plan;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that changes the host: the host and apply options every such command takes (picocli reads the
 * annotated fields of this superclass too), and the run of one change asked for on the command line.
 */
abstract class ChangeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

    /** A name typed on the command line, refused (exit 64) when it is no valid name; {@code field} names it. */
    void checkName(String field, String value) {
        Names.check(spec.commandLine(), field, value);
    }

    /** A snapshot name typed on the command line: as {@link #checkName}, and none of the store's own names. */
    void checkSnapshotName(String field, String value) {
        Names.checkSnapshot(spec.commandLine(), field, value);
    }

    /**
     * Plans the one change asked for and applies it: the command is the confirmation, and no spec is
     * planned again afterwards (see {@link io.xsnap.apply.Reconciler.Goal#change}).
     */
    int change(HostContext ctx, BiFunction<Actual, Instant, Plan> planner) {
        return new ChangeRun(ctx, apply, spec.commandLine()).run(Reconciler.Goal.change(planner), plan -> true);
    }
}
