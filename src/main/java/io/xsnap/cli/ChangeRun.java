package io.xsnap.cli;

import io.xsnap.apply.ApplyContext;
import io.xsnap.apply.ChangeResult;
import io.xsnap.apply.Executor;
import io.xsnap.apply.HostLock;
import io.xsnap.apply.Journal;
import io.xsnap.apply.Recovery;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * The one path every changing command takes: lock, resume what a crashed run left paused, recover what it
 * left half done (shown as RECOVER changes, applied without asking: they only end what an approved run
 * began), then observe, plan, show, (confirm), apply, observe again.
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
     * @param planner  makes the plan from the fresh observation and the time; null: recovery only
     * @param confirm  asked with the plan when it has changes; false ends without applying
     * @param verify   re-plans after apply: the result must be an empty plan (null = no check)
     */
    int run(BiFunction<Actual, java.time.Instant, Plan> planner, Predicate<Plan> confirm,
            BiFunction<Actual, java.time.Instant, Plan> verify) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        StoreGuard.checkRoot(host.layout.root());
        try (HostLock lock = HostLock.acquire(host.layout.lock(), options.lockTimeout)) {
            DomainDriver driver = host.driver();
            Observer observer = host.observer(driver);
            ApplyContext ctx = new ApplyContext(driver, new QemuImg(host.runner), observer, host.layout,
                    new Journal(host.layout.journal(), host.json), host.json, line -> {
                        err.println(line);
                        err.flush();
                    }, Clock.systemUTC());
            new Recovery(ctx).resumeLeftPaused();
            Clock clock = ctx.clock();
            List<ChangeResult> results = new ArrayList<>();
            Plan recovery = new Planner(host.layout, clock.instant()).recover(observer.observe(),
                    ctx.journal().interrupted());
            if (!recovery.changes().isEmpty() || recovery.hasErrors()) {
                if (!options.json) {
                    out.println("Recovery of interrupted runs:");
                    new TextPlanView().render(recovery, out);
                    out.println();
                }
                if (recovery.hasErrors()) {
                    return end(recovery, results, false, true, out);
                }
                results.addAll(new Executor(ctx).apply(recovery));
                if (!allDone(results, recovery)) {
                    return end(recovery, results, false, true, out);
                }
            } else if (planner == null && !options.json) {
                out.println("Nothing to recover.");
            }
            if (planner == null) {
                return end(recovery, results, cleanUp(ctx), true, out);
            }
            Plan plan = planner.apply(observer.observe(), clock.instant());
            Plan shown = recovery.then(plan);
            if (!options.json) {
                new TextPlanView().render(plan, out);
            }
            if (plan.hasErrors()) {
                if (options.json) {
                    new JsonPlanView(host.json).render(shown, out);
                }
                return plan.findings().stream().anyMatch(f -> f.fix() != null && f.fix().contains("--force"))
                        ? ExitCodes.REFUSED : ExitCodes.ERROR;
            }
            if (plan.changes().isEmpty()) {
                return end(shown, results, cleanUp(ctx), true, out);
            }
            if (!confirm.test(plan)) {
                err.println("Apply cancelled.");
                return ExitCodes.ERROR;
            }
            List<ChangeResult> applied = new Executor(ctx).apply(plan);
            results.addAll(applied);
            boolean ok = allDone(applied, plan);
            boolean verified = true;
            if (ok && verify != null) {
                Plan after = verify.apply(observer.observe(), clock.instant());
                verified = after.changes().isEmpty() && !after.hasErrors();
                if (!verified) {
                    err.println("xsnap: after apply the host still differs from the specs:");
                    new TextPlanView().render(after, err);
                }
            }
            return end(shown, results, ok && verified && cleanUp(ctx), verified, out);
        } catch (HostLock.LockBusyException e) {
            throw new XsnapExit(ExitCodes.LOCKED, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean allDone(List<ChangeResult> results, Plan plan) {
        return results.size() == plan.changes().size() && results.stream().allMatch(ChangeResult::ok);
    }

    /** Starts a fresh journal when nothing in it is open any more. @return true */
    private static boolean cleanUp(ApplyContext ctx) {
        if (ctx.journal().interrupted().isEmpty() && ctx.journal().pausedAndNotResumed().isEmpty()) {
            ctx.journal().truncate();
        }
        return true;
    }

    private int end(Plan plan, List<ChangeResult> results, boolean ok, boolean verified, PrintWriter out) {
        if (options.json) {
            out.println(host.json.writeValueAsString(new Outcome(JsonPlanView.document(plan), results, verified)));
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
                    r.pauseMillis() >= 0 ? " (domain paused " + r.pauseMillis() + " ms)" : "");
        }
        out.printf("Apply %s: %d of %d changes done.%n", done == plan.changes().size() ? "complete" : "stopped", done,
                plan.changes().size());
    }

    /** The JSON result of a changing command. */
    record Outcome(JsonPlanView.Document plan, List<ChangeResult> results, boolean verified) {
    }
}
