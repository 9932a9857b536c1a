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
 * @param recovers   RECOVER only: the interrupted change and whether it is finished or undone; else null
 * @param requestId  a one-shot request (spec revert id) this change carries out; apply records it when done
 * @param source     clone: the snapshot cloned, "domain/snapshot"; else null
 * @param export     backup: where and how the cut is exported; else null
 * @param description create: the note the snapshot keeps in its manifest (a spec's, cfgfile's or module's); else null
 * @param memoryFile create: where the memory is saved when it is outside the store (a snapshot cfgfile's
 *                   memory_path); null: memory.save beside the manifest
 */
public record Change(Action action, String domain, String snapshot, Impact impact, String reason,
                     boolean memory, boolean live, String runAfter, List<DiskChange> disks,
                     List<String> touches, List<java.nio.file.Path> removes, List<String> steps,
                     Recovers recovers, String requestId, String source, Export export, String description,
                     java.nio.file.Path memoryFile) {
    public Change {
        disks = List.copyOf(disks);
        touches = List.copyOf(touches);
        removes = List.copyOf(removes);
        steps = List.copyOf(steps);
        if ((action == Action.RECOVER) != (recovers != null)) {
            throw new IllegalArgumentException("a RECOVER change, and only one, says what it recovers");
        }
    }

    /** A RECOVER change: what it recovers, no request. */
    public Change(Action action, String domain, String snapshot, Impact impact, String reason,
                  boolean memory, boolean live, String runAfter, List<DiskChange> disks,
                  List<String> touches, List<java.nio.file.Path> removes, List<String> steps, Recovers recovers) {
        this(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps, recovers,
                null, null, null, null, null);
    }

    /**
     * What a RECOVER change does about an interrupted change.
     *
     * @param action  what the interrupted run was doing (create, revert, delete), or null for a bare pause
     * @param outcome how recovery ends it
     */
    public record Recovers(Action action, Outcome outcome) {
    }

    /** How recovery ends an interrupted change. */
    public enum Outcome {
        /** Roll forward: the change's effect is (partly) on the host; complete it. */
        FINISH,
        /** Roll back: remove what the change made (a snapshot whose disk cut cannot be trusted, or never ran). */
        UNDO,
        /** Only resume a domain the interrupted run left paused. */
        RESUME,
        /** Nothing of the change ran: only close its journal record. */
        CLOSE
    }

    /** A change that recovers nothing and carries out no one-shot request. */
    /** A backup's export: standalone files in {@code dir}, as {@code format} (qcow2 or raw), compressed or not. */
    public record Export(java.nio.file.Path dir, String format, boolean compress) {
    }

    /** A change that recovers nothing and carries out no one-shot request. */
    public Change(Action action, String domain, String snapshot, Impact impact, String reason, boolean memory,
                  boolean live, String runAfter, List<DiskChange> disks, List<String> touches,
                  List<java.nio.file.Path> removes, List<String> steps) {
        this(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps, null,
                null, null, null, null, null);
    }

    /** The same change, for another reason (a spec's instead of the command line's). */
    public Change withReason(String why) {
        return new Change(action, domain, snapshot, impact, why, memory, live, runAfter, disks, touches, removes, steps,
                recovers, requestId, source, export, description, memoryFile);
    }

    /** This change, carrying out the one-shot request {@code id}. */
    public Change withRequest(String id) {
        return new Change(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps,
                recovers, id, source, export, description, memoryFile);
    }

    /** This change (a create), keeping {@code note} as the snapshot's description. */
    public Change withDescription(String note) {
        return new Change(action, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches, removes, steps,
                recovers, requestId, source, export, note, memoryFile);
    }

    public String address() {
        return domain + "/" + snapshot;
    }
}
