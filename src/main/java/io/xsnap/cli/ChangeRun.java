package io.xsnap.cli;

import io.xsnap.apply.ApplyContext;
import io.xsnap.apply.ChangeResult;
import io.xsnap.apply.Executor;
import io.xsnap.apply.HostLock;
import io.xsnap.apply.Journal;
import io.xsnap.apply.Recovery;
import io.xsnap.apply.Reporter;
import io.xsnap.apply.StoreGuard;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Observer;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.render.JsonPlanView;
import io.xsnap.render.TextPlanView;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * The one path every changing command takes: lock, resume what a crashed run left paused, recover what it
 * left half done, observe, plan, show, (confirm), apply, observe again.
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
     * Runs and prints.
     *
     * @param planner  makes the plan from the fresh observation and the time; null: recovery only
     * @param confirm  asked with the plan when it has changes; false ends without applying
     * @param verify   re-plans after apply: the result must be an empty plan (null = no check)
     */
    int run(BiFunction<Actual, Instant, Plan> planner, Predicate<Plan> confirm,
            BiFunction<Actual, Instant, Plan> verify) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        Result r = execute(planner, shown -> {
            if (!options.json) {
                new TextPlanView().render(shown, out);
            }
        }, recovery -> {
            if (!options.json) {
                out.println("Recovery of interrupted runs:");
                new TextPlanView().render(recovery, out);
                out.println();
            }
        }, confirm, verify, line -> {
            err.println(line);
            err.flush();
        });
        if (!r.recovered()) {
            return end(r.recovery(), r.results(), false, out);
        }
        if (r.plan() == null) {
            if (r.recovery().changes().isEmpty() && !options.json) {
                out.println("Nothing to recover.");
            }
            return end(r.recovery(), r.results(), true, out);
        }
        Plan shown = r.shown();
        if (r.plan().hasErrors()) {
            if (options.json) {
                new JsonPlanView(host.json()).render(shown, out);
            }
            return exitCodeOfErrors(r.plan());
        }
        if (r.cancelled()) {
            err.println("Apply cancelled.");
            return ExitCodes.ERROR;
        }
        if (!r.verified()) {
            err.println("xsnap: after apply the host still differs from the specs:");
            new TextPlanView().render(r.after(), err);
        }
        return end(shown, r.results(), r.ok() && r.verified(), out);
    }

    /**
     * Does the run and prints nothing itself. Recovery comes first; a plan with errors or without changes is
     * not applied.
     *
     * @param shown     gets the plan as soon as it is made
     * @param recovered gets the recovery plan when there is something to recover
     * @param reporter  where apply says what it is doing
     */
    Result execute(BiFunction<Actual, Instant, Plan> planner, Consumer<Plan> shown, Consumer<Plan> recovered,
                   Predicate<Plan> confirm, BiFunction<Actual, Instant, Plan> verify, Reporter reporter) {
        StoreGuard.checkRoot(host.layout.root());
        try (HostLock lock = HostLock.acquire(host.layout.lock(), options.lockTimeout)) {
            DomainDriver driver = host.driver();
            QemuImg qemuImg = new QemuImg(host.runner);
            if (System.console() != null) {
                TtyProgress tty = new TtyProgress(cl.getErr());
                driver.progress(tty);
                qemuImg.progress(tty);
            }
            Observer observer = host.observer(driver);
            ApplyContext ctx = new ApplyContext(driver, qemuImg, observer, host.layout,
                    new Journal(host.layout.journal(), host.json()), host.json(), reporter, options.clock());
            new Recovery(ctx).resumeLeftPaused();
            Clock clock = ctx.clock();
            List<ChangeResult> results = new ArrayList<>();
            Actual actual = observer.observe();
            Plan recovery = new Planner(host.layout, clock.instant()).recover(actual, ctx.journal().interrupted());
            if (!recovery.changes().isEmpty() || recovery.hasErrors()) {
                recovered.accept(recovery);
                if (recovery.hasErrors()) {
                    return new Result(actual, recovery, null, results, null, false);
                }
                results.addAll(new Executor(ctx).apply(recovery));
                if (!allDone(results, recovery)) {
                    return new Result(actual, recovery, null, results, null, false);
                }
                actual = observer.observe();
            }
            if (planner == null) {
                cleanUp(ctx);
                return new Result(actual, recovery, null, results, null, false);
            }
            Plan plan = planner.apply(actual, clock.instant());
            shown.accept(plan);
            if (plan.hasErrors()) {
                return new Result(actual, recovery, plan, results, null, false);
            }
            if (plan.changes().isEmpty()) {
                cleanUp(ctx);
                return new Result(actual, recovery, plan, results, null, false);
            }
            if (!confirm.test(plan)) {
                return new Result(actual, recovery, plan, results, null, true);
            }
            List<ChangeResult> applied = new Executor(ctx).apply(plan);
            results.addAll(applied);
            Plan after = null;
            if (allDone(applied, plan)) {
                if (verify != null) {
                    after = verify.apply(observer.observe(), clock.instant());
                }
                cleanUp(ctx);
            }
            return new Result(actual, recovery, plan, results, after, false);
        } catch (HostLock.LockBusyException e) {
            throw new XsnapExit(ExitCodes.LOCKED, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plan only (check mode): observe and plan without the lock and without recovery; changes nothing. */
    Result planOnly(BiFunction<Actual, Instant, Plan> planner) {
        Actual actual = host.observer(host.driver()).observe();
        Plan none = new Plan(Plan.FORMAT_VERSION, options.clock().instant(), actual.driver(), List.of(), List.of());
        return new Result(actual, none, planner.apply(actual, options.clock().instant()), List.of(), null, false);
    }

    /** The exit code of a plan with errors (see {@link ExitCodes#ofErrors}). */
    static int exitCodeOfErrors(Plan plan) {
        return ExitCodes.ofErrors(plan);
    }

    private static boolean allDone(List<ChangeResult> results, Plan plan) {
        return results.size() == plan.changes().size() && results.stream().allMatch(ChangeResult::ok);
    }

    /** Starts a fresh journal when nothing in it is open any more. */
    private static void cleanUp(ApplyContext ctx) {
        if (ctx.journal().interrupted().isEmpty() && ctx.journal().pausedAndNotResumed().isEmpty()) {
            ctx.journal().truncate();
        }
    }

    private int end(Plan plan, List<ChangeResult> results, boolean ok, PrintWriter out) {
        if (options.json) {
            out.println(host.json().writeValueAsString(new Outcome(JsonPlanView.document(plan), results, ok)));
        } else if (!results.isEmpty()) {
            summary(results, plan, out);
        }
        out.flush();
        return ok ? ExitCodes.OK : ExitCodes.ERROR;
    }

    private static void summary(List<ChangeResult> results, Plan plan, PrintWriter out) {
        long done = results.stream().filter(ChangeResult::ok).count();
        out.println();
        for (ChangeResult r : results) {
            out.printf("%s %s: %s%s%n", r.change().action().word(), r.change().address(), r.ok() ? "done" : "FAILED: " + r.error(),
                    r.pauseMillis() < 0 ? "" : " (domain paused " + r.pauseMillis() + " ms"
                            + (r.downtimeMillis() >= 0 ? ", QEMU's downtime " + r.downtimeMillis() + " ms" : "")
                            + (r.memorySave() == null || r.memorySave().equals("stopped") ? ""
                            : ", memory saved " + r.memorySave() + " in " + r.saveMillis() + " ms") + ")");
        }
        out.printf("Apply %s: %d of %d changes done.%n", done == plan.changes().size() ? "complete" : "stopped", done,
                plan.changes().size());
    }

    /**
     * What one run did.
     *
     * @param actual    the observation the plan was made from
     * @param recovery  the recovery of interrupted runs that ran first (empty when there was nothing)
     * @param plan      the plan; null when the run was recovery only, or recovery failed
     * @param results   one per change that ran (recovery first), the failed one last
     * @param after     the re-plan after a fully successful apply (null when there was no check)
     * @param cancelled the confirmation said no
     */
    record Result(Actual actual, Plan recovery, Plan plan, List<ChangeResult> results, Plan after, boolean cancelled) {
        /** Recovery went through (or there was nothing to recover). */
        boolean recovered() {
            return !recovery.hasErrors() && results.stream().limit(recovery.changes().size()).allMatch(ChangeResult::ok)
                    && results.size() >= recovery.changes().size();
        }

        /** Every change of recovery and plan ran to success. */
        boolean ok() {
            int planned = recovery.changes().size() + (plan == null ? 0 : plan.changes().size());
            return recovered() && results.size() == planned && results.stream().allMatch(ChangeResult::ok);
        }

        boolean verified() {
            return after == null || after.changes().isEmpty() && !after.hasErrors();
        }

        /** What is shown as the run's plan: recovery, then the plan. */
        Plan shown() {
            return plan == null ? recovery : recovery.then(plan);
        }
    }

    /** The JSON result of a changing command. */
    record Outcome(JsonPlanView.Document plan, List<ChangeResult> results, boolean verified) {
    }
}
