package io.xsnap.cli;

import io.xsnap.apply.ChangeResult;
import io.xsnap.apply.HostLock;
import io.xsnap.apply.Reconciler;
import io.xsnap.apply.RunListener;
import io.xsnap.host.Progress;
import io.xsnap.plan.Plan;
import io.xsnap.render.JsonPlanView;
import io.xsnap.render.TextPlanView;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * A changing command's run as the command line shows it: the {@link Reconciler} does the run, a listener prints
 * each step as it happens (plans on stdout, apply's lines on stderr), and the result becomes the exit code.
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
     * Runs, prints and returns the exit code.
     *
     * @param confirm asked with the plan when it has changes; false ends without applying
     */
    int run(Reconciler.Goal goal, Predicate<Plan> confirm) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        Reconciler.Result r = reconcile(host, options, goal, new Printer(out, err, confirm));
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
            return ExitCodes.ofErrors(r.plan());
        }
        if (r.cancelled()) {
            err.println("Apply cancelled.");
            return ExitCodes.ERROR;
        }
        return end(shown, r.results(), r.ok() && r.verified(), out);
    }

    /** The run, with a lock another run holds past the timeout as its exit code (75). */
    static Reconciler.Result reconcile(HostContext host, ApplyOptions options, Reconciler.Goal goal,
                                       RunListener listener) {
        try {
            return host.reconciler(options).run(goal, listener);
        } catch (HostLock.LockBusyException e) {
            throw new XsnapExit(ExitCodes.LOCKED, e.getMessage());
        }
    }

    /** Progress bars on a terminal, none without one. */
    static Progress progress(PrintWriter err) {
        return System.console() != null ? new TtyProgress(err) : null;
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

    /** The listener of a command-line run: plans as text on stdout (none with --json), apply's lines on stderr. */
    private final class Printer implements RunListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final Predicate<Plan> confirm;

        Printer(PrintWriter out, PrintWriter err, Predicate<Plan> confirm) {
            this.out = out;
            this.err = err;
            this.confirm = confirm;
        }

        @Override
        public void recoveryPlanned(Plan recovery) {
            if (!options.json) {
                out.println("Recovery of interrupted runs:");
                new TextPlanView().render(recovery, out);
                out.println();
            }
        }

        @Override
        public void planned(Plan plan) {
            if (!options.json) {
                new TextPlanView().render(plan, out);
            }
        }

        @Override
        public boolean confirm(Plan plan) {
            return confirm.test(plan);
        }

        @Override
        public void say(String line) {
            err.println(line);
            err.flush();
        }

        @Override
        public Progress progress() {
            return ChangeRun.progress(err);
        }

        @Override
        public void verified(Plan after) {
            if (!after.changes().isEmpty() || after.hasErrors()) {
                err.println("xsnap: after apply the host still differs from the specs:");
                new TextPlanView().render(after, err);
            }
        }
    }

    /** The JSON result of a changing command. */
    record Outcome(JsonPlanView.Document plan, List<ChangeResult> results, boolean verified) {
    }
}
