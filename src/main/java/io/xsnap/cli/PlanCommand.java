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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
        HostContext ctx = new HostContext(host);
        // Observing (or reading --state) needs nothing from the specs: it runs on a second thread meanwhile.
        // (The specs' xlConfig files matter to creates, reverts and clones, never to observing, so plan
        // does not hand them to the driver.) A problem in the specs is still the one reported when both fail.
        FutureTask<Actual> observed = new FutureTask<>(() -> ctx.actual(planOptions.state));
        Thread observer = new Thread(observed, "xsnap-observe");
        observer.setDaemon(true);
        observer.start();
        Desired desired = new SpecLoader().load(specs);
        Actual actual = result(observed);
        // A saved plan's fingerprint hashes the whole state (a second or so for a thousand domains): on a second
        // thread while the plan is made and shown.
        FutureTask<String> fingerprint = new FutureTask<>(() -> Fingerprint.of(actual));
        if (planOptions.out != null) {
            Thread hasher = new Thread(fingerprint, "xsnap-fingerprint");
            hasher.setDaemon(true);
            hasher.start();
        }
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
            java.nio.file.Files.write(planOptions.out, ctx.json().writeValueAsBytes(SavedPlan.of(saved, result(fingerprint))));
            spec.commandLine().getErr().println("Saved the plan to " + planOptions.out + "; apply it with: xsnap apply "
                    + planOptions.out);
        }
        if (plan.hasErrors()) {
            return ExitCodes.ERROR;
        }
        return planOptions.detailedExitcode && !plan.changes().isEmpty() ? ExitCodes.CHANGES : ExitCodes.OK;
    }

    /** The task's value, or what it threw, as it threw it. */
    private static <T> T result(FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the observation or the fingerprint", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
