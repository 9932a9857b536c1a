package io.xsnap.cli;

import io.xsnap.apply.Journal;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.plan.Fingerprint;
import io.xsnap.plan.SavedPlan;
import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap plan}: what apply would do. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Show the changes that would make the host match the specs. Changes nothing.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no changes (or changes without --detailed-exitcode)", "1:error", "2:changes present (--detailed-exitcode)",
            "64:usage", "65:invalid spec", "66:missing input"})
public final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    PlanOptions planOptions;

    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Spec files or directories.")
    List<Path> specs;

    @Override
    public Integer call() throws SpecException, java.io.IOException {
        Desired desired = new SpecLoader().load(specs);
        HostContext ctx = new HostContext(host);
        desired.domains().forEach(d -> d.xlConfig().ifPresent(f -> ctx.xlConfig(d.domain(), f)));
        Actual actual = ctx.actual(planOptions.state);
        Planner planner = new Planner(ctx.layout, planOptions.now == null ? Instant.now() : planOptions.now);
        Plan plan = planner.plan(desired, actual);
        Plan saved = plan;
        if (planOptions.state == null) {
            // on the host: what the next changing run will recover first
            plan = planner.recover(actual, new Journal(ctx.layout.journal(), ctx.json()).interrupted()).then(plan);
        }
        planOptions.view(ctx::json).render(plan, spec.commandLine().getOut());
        if (planOptions.out != null && !plan.hasErrors()) {
            // recovery is not saved: every changing run does it first, and then the host's fingerprint decides
            java.nio.file.Files.write(planOptions.out, ctx.json().writeValueAsBytes(SavedPlan.of(saved, Fingerprint.of(actual))));
            spec.commandLine().getErr().println("Saved the plan to " + planOptions.out + "; apply it with: xsnap apply "
                    + planOptions.out);
        }
        if (plan.hasErrors()) {
            return ExitCodes.ERROR;
        }
        return planOptions.detailedExitcode && !plan.changes().isEmpty() ? ExitCodes.CHANGES : ExitCodes.OK;
    }
}
