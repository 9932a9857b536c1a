package io.xsnap.cli;

import io.xsnap.apply.ChangeResult;
import io.xsnap.plan.Change;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import io.xsnap.render.JsonPlanView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one JSON object {@code xsnap module} prints; the Ansible modules return it as it is. Null fields are
 * left out.
 *
 * @param changed   check mode: the plan has changes; otherwise: at least one change was made
 * @param failed    the plan had errors, a change failed, or the request was bad
 * @param msg       for people: what happened, or every reason it failed
 * @param rc        the exit code (as the CLI's: 0, 1, 64, 65, 66, 75, 76)
 * @param plan      the plan, as {@code xsnap plan --json} prints it
 * @param changes   one per change that ran, the failed one last (not {@code results}: Ansible reserves that
 *                  for loops, and its diff callback then looks for diffs inside it)
 * @param diff      per domain, the snapshots and the current one before and after
 * @param warnings  drift and changed settings the planner noticed
 * @param errors    one per problem: spec problems as FILE:LINE:COLUMN: field: message
 * @param log       what apply reported while it ran
 * @param snapshots snapshot_info: every snapshot, as {@code xsnap list --json} lists them
 * @param domains   snapshot_info: per domain, its state, current snapshot and snapshot tree
 */
record ModuleResult(boolean changed, boolean failed, String msg, int rc, JsonPlanView.Document plan,
                    List<Done> changes, SnapshotLists.Diff diff, List<String> warnings, List<String> errors,
                    List<String> log, List<ListCommand.Entry> snapshots, Map<String, SnapshotLists.DomainTree> domains) {

    /** What happened to one change. */
    record Done(String action, String domain, String snapshot, boolean ok, long millis, Long pauseMillis,
                Long downtimeMillis, String error) {
        static Done of(ChangeResult r) {
            Change c = r.change();
            return new Done(c.action().word(), c.domain(), c.snapshot(), r.ok(), r.millis(),
                    r.pauseMillis() >= 0 ? r.pauseMillis() : null, r.downtimeMillis() >= 0 ? r.downtimeMillis() : null,
                    r.error());
        }
    }

    static ModuleResult failed(int rc, String msg) {
        return new ModuleResult(false, true, msg, rc, null, null, null, null, null, null, null, null);
    }

    ModuleResult withErrors(List<String> list) {
        return new ModuleResult(changed, failed, msg, rc, plan, changes, diff, warnings, List.copyOf(list), log,
                snapshots, domains);
    }

    static ModuleResult info(List<ListCommand.Entry> snapshots, Map<String, SnapshotLists.DomainTree> domains) {
        return new ModuleResult(false, false, snapshots.size() + " snapshot" + (snapshots.size() == 1 ? "" : "s"),
                ExitCodes.OK, null, null, null, null, null, null, snapshots, domains);
    }

    /** The result of a change run (or, in check mode, of the plan alone). */
    static ModuleResult of(io.xsnap.apply.Reconciler.Result r, boolean checkMode, SnapshotLists.Diff diff, List<String> log) {
        Plan plan = r.shown();
        List<Done> done = r.results().stream().map(Done::of).toList();
        List<String> warnings = plan.findings().stream()
                .filter(f -> f.kind() == Finding.Kind.DRIFT || f.kind() == Finding.Kind.DIFFERS)
                .map(ModuleResult::say).toList();
        List<String> errors = plan.findings().stream().filter(f -> f.kind() == Finding.Kind.ERROR)
                .map(ModuleResult::say).toList();
        boolean changed = checkMode ? !plan.changes().isEmpty() && errors.isEmpty() : done.stream().anyMatch(Done::ok);
        int rc = ExitCodes.OK;
        String msg;
        if (!errors.isEmpty()) {
            rc = ExitCodes.ofErrors(plan);
            msg = String.join("\n", errors);
        } else if (!checkMode && !r.ok()) {
            rc = ExitCodes.ERROR;
            Done last = done.get(done.size() - 1);
            msg = last.action() + " " + last.domain() + "/" + last.snapshot() + " failed: " + last.error() + " ("
                    + done.stream().filter(Done::ok).count() + " of " + plan.changes().size() + " changes done)";
        } else if (!checkMode && !r.verified()) {
            rc = ExitCodes.ERROR;
            msg = "after apply the host still differs from the specs: " + String.join(", ",
                    r.after().changes().stream().map(c -> c.action().word() + " " + c.address()).toList());
        } else {
            msg = summary(plan, checkMode);
        }
        return new ModuleResult(changed, rc != ExitCodes.OK, msg, rc, JsonPlanView.document(plan), done, diff,
                warnings, errors.isEmpty() ? null : errors, log.isEmpty() ? null : List.copyOf(log), null, null);
    }

    private static String say(Finding f) {
        return f.domain() + (f.snapshot() == null ? "" : "/" + f.snapshot()) + ": " + f.message()
                + (f.fix() == null ? "" : " (" + f.fix() + ")");
    }

    private static String summary(Plan plan, boolean checkMode) {
        if (plan.changes().isEmpty()) {
            return "no changes";
        }
        List<String> parts = new ArrayList<>();
        for (Change c : plan.changes()) {
            parts.add(c.action().word() + " " + c.address());
        }
        return (checkMode ? "would " : "done: ") + String.join(", ", parts);
    }
}
