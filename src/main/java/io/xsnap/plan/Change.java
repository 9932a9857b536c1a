package io.xsnap.plan;

import java.util.List;

/**
 * One change of a plan. The reason explains; it never steers apply.
 *
 * @param memory     create: save guest memory; revert: the snapshot has memory (warm start)
 * @param live       create: memory copied while the guest runs
 * @param runAfter   the domain's run state after the change: running, paused, or unchanged
 * @param disks      per disk, what happens, in vdev order
 * @param touches    files the change creates, writes or deletes, for review
 * @param removes    the files and directories apply may delete for this change, and no others
 * @param steps      what apply will run, in order, for people
 * @param requestId  a one-shot request (spec revert id) this change carries out; apply records it when done
 * @param source     clone: the snapshot cloned, "domain/snapshot"; else null
 * @param export     backup: where and how the cut is exported; else null
 */
public record Change(Action action, String domain, String snapshot, Impact impact, String reason,
                     boolean memory, boolean live, String runAfter, List<DiskChange> disks,
                     List<String> touches, List<java.nio.file.Path> removes, List<String> steps, String requestId,
                     String source, Export export) {
    public Change {
        disks = List.copyOf(disks);
        touches = List.copyOf(touches);
        removes = List.copyOf(removes);
        steps = List.copyOf(steps);
    }

    /** A change that carries out a one-shot request. */
    public Change(Action action, String domain, String snapshot, Impact impact, String reason, boolean memory,
                  boolean live, String runAfter, List<DiskChange> disks, List<String> touches,
                  List<java.nio.file.Path> removes, List<String> steps, String requestId) {
        this(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps, requestId,
                null, null);
    }

    /** A backup's export: standalone files in {@code dir}, as {@code format} (qcow2 or raw), compressed or not. */
    public record Export(java.nio.file.Path dir, String format, boolean compress) {
    }

    /** A change that carries out no one-shot request. */
    public Change(Action action, String domain, String snapshot, Impact impact, String reason, boolean memory,
                  boolean live, String runAfter, List<DiskChange> disks, List<String> touches,
                  List<java.nio.file.Path> removes, List<String> steps) {
        this(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps, null);
    }

    public String address() {
        return domain + "/" + snapshot;
    }
}
