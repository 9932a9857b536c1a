package io.xsnap.apply;

import io.xsnap.host.DomainDriver;
import io.xsnap.host.Progress;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Observer;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one path every changing run takes (level-based: it observes afresh each time and trusts no memory of the last
 * run): lock, resume what a crashed run left paused, recover what it left half done, observe, plan, confirm, apply,
 * observe again and verify. It prints nothing: a {@link RunListener} hears each step, and the {@link Result} says
 * what happened. A plan with errors, or without changes, is never applied.
 */
public final class Reconciler {
    private final Tools tools;
    private final Duration lockTimeout;
    private final Clock clock;

    /**
     * The host side of a run. The driver and qemu-img are made only once the host lock is held.
     *
     * @param observer the observer of the host through a driver
     */
    public record Tools(StoreLayout layout, JsonMapper json, Supplier<DomainDriver> driver, Supplier<QemuImg> qemuImg,
                        Function<DomainDriver, Observer> observer) {
    }

    /**
     * What a run is to bring about.
     *
     * @param planner  the plan from the fresh observation and the time; null: recovery only
     * @param verifier the re-plan after a fully applied plan, which must come out empty; null: no check
     */
    public record Goal(BiFunction<Actual, Instant, Plan> planner, BiFunction<Actual, Instant, Plan> verifier) {
        /** Only what every run does first: recover what interrupted runs left. */
        public static Goal recoveryOnly() {
            return new Goal(null, null);
        }

        /** One change asked for (a command, a saved plan): applied, and no spec planned again afterwards. */
        public static Goal change(BiFunction<Actual, Instant, Plan> planner) {
            return new Goal(planner, null);
        }

        /** Specs to match: planned, applied, and planned again to check that nothing is left to do. */
        public static Goal specs(BiFunction<Actual, Instant, Plan> planner) {
            return new Goal(planner, planner);
        }
    }

    public Reconciler(Tools tools, Duration lockTimeout, Clock clock) {
        this.tools = tools;
        this.lockTimeout = lockTimeout;
        this.clock = clock;
    }

    /**
     * Does the run. Recovery comes first; when it fails, or has errors, nothing is planned.
     *
     * @throws HostLock.LockBusyException when another run holds the lock past the timeout
     */
    public Result run(Goal goal, RunListener listener) {
        StoreGuard.checkRoot(tools.layout().root());
        try (HostLock lock = HostLock.acquire(tools.layout().lock(), lockTimeout)) {
            DomainDriver driver = tools.driver().get();
            QemuImg qemuImg = tools.qemuImg().get();
            Progress progress = listener.progress();
            if (progress != null) {
                driver.progress(progress);
                qemuImg.progress(progress);
            }
            Observer observer = tools.observer().apply(driver);
            ApplyContext ctx = new ApplyContext(driver, qemuImg, observer, tools.layout(),
                    new Journal(tools.layout().journal(), tools.json()), tools.json(), listener, clock);
            new Recovery(ctx).resumeLeftPaused();
            List<ChangeResult> results = new ArrayList<>();
            Actual actual = observer.observe();
            Plan recovery = new Planner(tools.layout(), clock.instant()).recover(actual, ctx.journal().interrupted());
            if (!recovery.changes().isEmpty() || recovery.hasErrors()) {
                listener.recoveryPlanned(recovery);
                if (recovery.hasErrors()) {
                    return new Result(actual, recovery, null, results, null, false);
                }
                results.addAll(new Executor(ctx).apply(recovery, listener));
                if (!allDone(results, recovery)) {
                    return new Result(actual, recovery, null, results, null, false);
                }
                actual = observer.observe();
            }
            if (goal.planner() == null) {
                cleanUp(ctx);
                return new Result(actual, recovery, null, results, null, false);
            }
            return planAndApply(goal, listener, ctx, actual, recovery, results);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The second half of {@link #run}, once recovery went through: plan, confirm, apply, verify. */
    private Result planAndApply(Goal goal, RunListener listener, ApplyContext ctx, Actual actual, Plan recovery,
                                List<ChangeResult> results) {
        Plan plan = goal.planner().apply(actual, clock.instant());
        listener.planned(plan);
        if (plan.hasErrors()) {
            return new Result(actual, recovery, plan, results, null, false);
        }
        if (plan.changes().isEmpty()) {
            cleanUp(ctx);
            return new Result(actual, recovery, plan, results, null, false);
        }
        if (!listener.confirm(plan)) {
            return new Result(actual, recovery, plan, results, null, true);
        }
        List<ChangeResult> applied = new Executor(ctx).apply(plan, listener);
        results.addAll(applied);
        Plan after = null;
        if (allDone(applied, plan)) {
            if (goal.verifier() != null) {
                after = goal.verifier().apply(ctx.observer().observe(), clock.instant());
                listener.verified(after);
            }
            cleanUp(ctx);
        }
        return new Result(actual, recovery, plan, results, after, false);
    }

    /** Plan only (check mode): observe and plan without the lock and without recovery; changes nothing. */
    public Result planOnly(BiFunction<Actual, Instant, Plan> planner) {
        Actual actual = tools.observer().apply(tools.driver().get()).observe();
        Plan none = new Plan(Plan.FORMAT_VERSION, clock.instant(), actual.driver(), List.of(), List.of());
        return new Result(actual, none, planner.apply(actual, clock.instant()), List.of(), null, false);
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
    public record Result(Actual actual, Plan recovery, Plan plan, List<ChangeResult> results, Plan after,
                         boolean cancelled) {
        /** Recovery went through (or there was nothing to recover). */
        public boolean recovered() {
            return !recovery.hasErrors() && results.stream().limit(recovery.changes().size()).allMatch(ChangeResult::ok)
                    && results.size() >= recovery.changes().size();
        }

        /** Every change of recovery and plan ran to success. */
        public boolean ok() {
            int planned = recovery.changes().size() + (plan == null ? 0 : plan.changes().size());
            return recovered() && results.size() == planned && results.stream().allMatch(ChangeResult::ok);
        }

        /** No re-plan was asked for, or it found nothing left to do. */
        public boolean verified() {
            return after == null || after.changes().isEmpty() && !after.hasErrors();
        }

        /** What is shown as the run's plan: recovery, then the plan. */
        public Plan shown() {
            return plan == null ? recovery : recovery.then(plan);
        }
    }
}
