package io.xsnap.apply;

import io.xsnap.host.Progress;
import io.xsnap.plan.Change;
import io.xsnap.plan.Plan;

/**
 * What a {@link Reconciler} run tells the one who started it, as it happens: the CLI renders each event, the
 * Ansible module collects the lines. Apply's own lines ({@link #say}) come through it too. Every event but the
 * confirmation and the lines has a default that ignores it.
 */
public interface RunListener extends Reporter {
    /** The recovery of interrupted runs, before it runs (only when there is something to recover, or an error). */
    default void recoveryPlanned(Plan recovery) {
    }

    /** The plan, as soon as it is made from the fresh observation. */
    default void planned(Plan plan) {
    }

    /** Asked with a plan that has changes and no errors; false ends the run without applying anything. */
    boolean confirm(Plan plan);

    /** A change of the recovery or of the plan starts (after the one before it succeeded). */
    default void changeStarted(Change change) {
    }

    /** A change ended, done or failed; after a failure no other change starts. */
    default void changeEnded(ChangeResult result) {
    }

    /**
     * Where long host operations (a memory save, a block job, a qemu-img copy) report how far they are; null (the
     * default) when nobody shows it.
     */
    default Progress progress() {
        return null;
    }

    /** The re-plan after every change was applied: empty (and without errors) when the host now matches. */
    default void verified(Plan after) {
    }
}
