package io.xsnap.cli;

import io.xsnap.apply.ApplyContext;
import io.xsnap.apply.ChangeResult;
import io.xsnap.apply.Executor;
import io.xsnap.apply.HostLock;
import io.xsnap.apply.Journal;
import io.xsnap.apply.Reporter;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Observer;
import io.xsnap.plan.Plan;
import io.xsnap.render.JsonPlanView;
import io.xsnap.render.TextPlanView;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * The one path every changing command takes: lock, observe, plan, show, (confirm), apply, observe again.
 */
final class ChangeRun {
    private final HostContext host;
    private final ApplyOptions options;
    private final CommandLine cl;

    ChangeRun(HostContext host, ApplyOptions options, CommandLine cl) {
        this.host = host;
        this.options = options;
        this.cl = cl;
    }

    /**
     * @param planner  makes the plan from the fresh observation and the time
     * @param confirm  asked with the plan when it has changes; false ends without applying
     * @param verify   re-plans after apply: the result must be an empty plan (null = no check)
     */
    int run(BiFunction<Actual, Instant, Plan> planner, Predicate<Plan> confirm,
            BiFunction<Actual, Instant, Plan> verify) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        Result r = execute(planner, plan -> {
            if (!options.json) {
                new TextPlanView().render(plan, out);
            }
        }, confirm, verify, line -> {
            err.println(line);
            err.flush();
        });
        Plan plan = r.plan();
        if (plan.hasErrors()) {
            if (options.json) {
                new JsonPlanView(host.json).render(plan, out);
            }
            return exitCodeOfErrors(plan);
        }
        if (plan.changes().isEmpty()) {
            if (options.json) {
                out.println(host.json.writeValueAsString(new Outcome(JsonPlanView.document(plan), List.of(), true)));
            }
            return ExitCodes.OK;
        }
        if (r.cancelled()) {
            err.println("Apply cancelled.");
            return ExitCodes.ERROR;
        }
        if (!r.verified()) {
            err.println("xsnap: after apply the host still differs from the specs:");
            new TextPlanView().render(r.after(), err);
        }
        if (options.json) {
            out.println(host.json.writeValueAsString(new Outcome(JsonPlanView.document(plan), r.results(), r.verified())));
        } else {
            summary(r.results(), plan, out);
        }
        out.flush();
        return r.ok() && r.verified() ? ExitCodes.OK : ExitCodes.ERROR;
    }

    /**
     * Lock, resume what a crashed run left paused, observe, plan, show, confirm, apply, observe again; prints
     * nothing itself. A plan with errors or without changes is not applied.
     *
     * @param shown    gets the plan as soon as it is made
     * @param reporter where apply says what it is doing
     */
    Result execute(BiFunction<Actual, Instant, Plan> planner, Consumer<Plan> shown, Predicate<Plan> confirm,
                   BiFunction<Actual, Instant, Plan> verify, Reporter reporter) {
        try (HostLock lock = HostLock.acquire(host.layout.lock(), options.lockTimeout)) {
            DomainDriver driver = host.driver();
            Observer observer = host.observer(driver);
            ApplyContext ctx = new ApplyContext(driver, new QemuImg(host.runner), observer, host.layout,
                    new Journal(host.layout.journal(), host.json), host.json, reporter, options.clock());
            new io.xsnap.apply.Recovery(ctx).resumeLeftPaused();
            Clock clock = ctx.clock();
            Actual actual = observer.observe();
            Plan plan = planner.apply(actual, clock.instant());
            shown.accept(plan);
            if (plan.hasErrors() || plan.changes().isEmpty()) {
                return new Result(actual, plan, List.of(), null, false);
            }
            if (!confirm.test(plan)) {
                return new Result(actual, plan, List.of(), null, true);
            }
            List<ChangeResult> results = new Executor(ctx).apply(plan);
            Plan after = null;
            if (verify != null && results.size() == plan.changes().size() && results.stream().allMatch(ChangeResult::ok)) {
                after = verify.apply(observer.observe(), clock.instant());
            }
            return new Result(actual, plan, results, after, false);
        } catch (HostLock.LockBusyException e) {
            throw new XsnapExit(ExitCodes.LOCKED, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plan only (check mode): observe and plan without the lock and without recovery; changes nothing. */
    Result planOnly(BiFunction<Actual, Instant, Plan> planner) {
        Actual actual = host.observer(host.driver()).observe();
        return new Result(actual, planner.apply(actual, options.clock().instant()), List.of(), null, false);
    }

    /** The exit code of a plan with errors: refused when a finding's way out is --force, else error. */
    static int exitCodeOfErrors(Plan plan) {
        return plan.findings().stream().anyMatch(f -> f.fix() != null && f.fix().contains("--force"))
                ? ExitCodes.REFUSED : ExitCodes.ERROR;
    }

    private static void summary(List<ChangeResult> results, Plan plan, PrintWriter out) {
        long done = results.stream().filter(ChangeResult::ok).count();
        out.println();
        for (ChangeResult r : results) {
            out.printf("%s %s: %s%s%n", r.change().action().word(), r.change().address(), r.ok() ? "done" : "FAILED: " + r.error(),
                    r.pauseMillis() >= 0 ? " (domain paused " + r.pauseMillis() + " ms)" : "");
        }
        out.printf("Apply %s: %d of %d changes done.%n", done == plan.changes().size() ? "complete" : "stopped", done,
                plan.changes().size());
    }

    /**
     * What one run did.
     *
     * @param actual    the observation the plan was made from
     * @param results   one per change that ran, the failed one last; empty when nothing was applied
     * @param after     the re-plan after a fully successful apply (null when there was no check)
     * @param cancelled the confirmation said no
     */
    record Result(Actual actual, Plan plan, List<ChangeResult> results, Plan after, boolean cancelled) {
        boolean ok() {
            return results.size() == plan.changes().size() && results.stream().allMatch(ChangeResult::ok);
        }

        boolean verified() {
            return after == null || after.changes().isEmpty() && !after.hasErrors();
        }
    }

    /** The JSON result of a changing command. */
    record Outcome(JsonPlanView.Document plan, List<ChangeResult> results, boolean verified) {
    }
}
