package io.xsnap.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;

/**
 * One change of a plan: one record per {@link Action}, each with the fields its action needs. The reason explains; it
 * never steers apply.
 *
 * <p>Code that does something different per action dispatches through a {@link Visitor} ({@link #accept}): pattern
 * matching for {@code switch} is a preview feature in Java 17, and a visitor makes the compiler name every place a new
 * record must be handled. A new action is one record here, one method in {@code Visitor}, one planner and one
 * executor step in {@code apply/}.
 *
 * <p>The JSON of every change (plans, saved plans, the journal, apply results) is one flat object, as it was before
 * the records (schemas/plan-v1.schema.json): {@link FlatChange} is that shape, and the records convert to and from it.
 */
public sealed interface Change permits Change.Create, Change.Revert, Change.Delete, Change.Recover, Change.Clone,
        Change.DeleteClone, Change.Backup {

    Action action();

    /** The domain the change acts on (for a clone: the new domain). */
    String domain();

    /** The snapshot the change is about (for a clone and a clone's delete: the source's snapshot name); may be null. */
    String snapshot();

    Impact impact();

    String reason();

    /** Per disk, what happens, in vdev order. */
    List<DiskChange> disks();

    /** Files the change creates, writes or deletes, for review. */
    List<String> touches();

    /** The files and directories apply may delete for this change, and no others. */
    List<Path> removes();

    /** What apply will run, in order, for people. */
    List<String> steps();

    /** The same change, for another reason (a spec's instead of the command line's). */
    Change withReason(String why);

    <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X;

    /** {@code domain()} and {@code snapshot()} as one value. */
    default SnapshotRef ref() {
        return new SnapshotRef(domain(), snapshot());
    }

    /** "domain/snapshot", as plans, the journal and messages show the change. */
    default String address() {
        return ref().toString();
    }

    /** The flat JSON shape of this change. */
    @JsonValue
    default FlatChange flat() {
        return FlatChange.of(this);
    }

    /** The change a flat JSON object describes (a plan saved by {@code plan --out}, a journal's begin entry). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Change fromFlat(FlatChange flat) {
        return flat.toChange();
    }

    /** One method per kind of change. */
    interface Visitor<R, X extends Exception> {
        R create(Create c) throws X;

        R revert(Revert c) throws X;

        R delete(Delete c) throws X;

        R recover(Recover c) throws X;

        R clone(Clone c) throws X;

        R deleteClone(DeleteClone c) throws X;

        R backup(Backup c) throws X;
    }

    /**
     * A snapshot taken.
     *
     * @param memory      the guest's memory is saved
     * @param live        the memory is copied while the guest runs
     * @param before      the domain's run state the change expects before it (running or paused); it ends so again
     * @param description the note the snapshot keeps in its manifest (a spec's, cfgfile's or module's), or null
     * @param memoryFile  where the memory is saved when it is outside the store (a snapshot cfgfile's memory_path);
     *                    null: memory.save beside the manifest
     */
    record Create(SnapshotRef ref, Impact impact, String reason, boolean memory, boolean live, RunState before,
                  List<DiskChange> disks, List<String> touches, List<String> steps, String description,
                  Path memoryFile) implements Change {
        public Create {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.CREATE;
        }

        @Override
        public String domain() {
            return ref.domain();
        }

        @Override
        public String snapshot() {
            return ref.snapshot();
        }

        /** A create removes nothing. */
        @Override
        public List<Path> removes() {
            return List.of();
        }

        @Override
        public Create withReason(String why) {
            return new Create(ref, impact, why, memory, live, before, disks, touches, steps, description, memoryFile);
        }

        /** This create, keeping {@code note} as the snapshot's description. */
        public Create withDescription(String note) {
            return new Create(ref, impact, reason, memory, live, before, disks, touches, steps, note, memoryFile);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.create(this);
        }
    }

    /**
     * A domain put back to a snapshot. Always disruptive: the domain is stopped and started again.
     *
     * @param memory    the snapshot has memory (warm start); else the guest cold-starts from the reverted disks
     * @param after     the run state the domain is left in (running or paused)
     * @param requestId the one-shot request (a spec's revert id) this revert carries out, or null; apply records it
     */
    record Revert(SnapshotRef ref, String reason, boolean memory, RunState after, List<DiskChange> disks,
                  List<String> touches, List<Path> removes, List<String> steps, String requestId) implements Change {
        public Revert {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            removes = List.copyOf(removes);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.REVERT;
        }

        @Override
        public String domain() {
            return ref.domain();
        }

        @Override
        public String snapshot() {
            return ref.snapshot();
        }

        @Override
        public Impact impact() {
            return Impact.DISRUPTIVE;
        }

        @Override
        public Revert withReason(String why) {
            return new Revert(ref, why, memory, after, disks, touches, removes, steps, requestId);
        }

        /** This revert, carrying out the one-shot request {@code id}. */
        public Revert withRequest(String id) {
            return new Revert(ref, reason, memory, after, disks, touches, removes, steps, id);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.revert(this);
        }
    }

    /**
     * A snapshot deleted, its external layers merged so the rest stays intact. Always destructive; the domain's run
     * state is unchanged.
     *
     * @param memory the snapshot has memory (its file is among {@code removes})
     */
    record Delete(SnapshotRef ref, String reason, boolean memory, List<DiskChange> disks, List<String> touches,
                  List<Path> removes, List<String> steps) implements Change {
        public Delete {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            removes = List.copyOf(removes);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.DELETE;
        }

        @Override
        public String domain() {
            return ref.domain();
        }

        @Override
        public String snapshot() {
            return ref.snapshot();
        }

        @Override
        public Impact impact() {
            return Impact.DESTRUCTIVE;
        }

        @Override
        public Delete withReason(String why) {
            return new Delete(ref, why, memory, disks, touches, removes, steps);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.delete(this);
        }
    }

    /**
     * Finishing or undoing a change an interrupted run left half done, or resuming a domain it left paused.
     *
     * @param recovers what the interrupted run was doing and how recovery ends it
     * @param memory   the interrupted change saved (create) or restores (revert) memory
     * @param live     the interrupted create saved memory live
     * @param runAfter the run state the domain is left in, or null: unchanged
     * @param memoryFile an interrupted create's memory file outside the store, or null (memory.save in the store)
     */
    record Recover(SnapshotRef ref, Recovers recovers, Impact impact, String reason, boolean memory, boolean live,
                   RunState runAfter, List<DiskChange> disks, List<String> touches, List<Path> removes,
                   List<String> steps, Path memoryFile) implements Change {
        public Recover {
            if (recovers == null) {
                throw new IllegalArgumentException("a RECOVER change says what it recovers");
            }
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            removes = List.copyOf(removes);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.RECOVER;
        }

        @Override
        public String domain() {
            return ref.domain();
        }

        @Override
        public String snapshot() {
            return ref.snapshot();
        }

        @Override
        public Recover withReason(String why) {
            return new Recover(ref, recovers, impact, why, memory, live, runAfter, disks, touches, removes, steps,
                    memoryFile);
        }

        /** This recovery, of a create that saved memory to {@code file} (null: memory.save in the store). */
        public Recover withMemoryFile(Path file) {
            return new Recover(ref, recovers, impact, reason, memory, live, runAfter, disks, touches, removes, steps,
                    file);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.recover(this);
        }
    }

    /**
     * A new domain on its own overlays over a snapshot's frozen files. Safe: it creates only.
     *
     * @param domain the new domain
     * @param source the snapshot cloned
     * @param memory the clone starts from the snapshot's memory
     * @param start  how the clone is left: running, paused, or shutoff (made, not started)
     */
    record Clone(String domain, SnapshotRef source, String reason, boolean memory, RunState start,
                 List<DiskChange> disks, List<String> touches, List<String> steps) implements Change {
        public Clone {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.CLONE;
        }

        @Override
        public String snapshot() {
            return source.snapshot();
        }

        @Override
        public Impact impact() {
            return Impact.SAFE;
        }

        /** A clone removes nothing. */
        @Override
        public List<Path> removes() {
            return List.of();
        }

        @Override
        public Clone withReason(String why) {
            return new Clone(domain, source, why, memory, start, disks, touches, steps);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.clone(this);
        }
    }

    /**
     * A clone destroyed and its own overlays and record removed; the source's frozen files stay. Destructive; the
     * clone ends shut off.
     *
     * @param domain the clone
     * @param source the snapshot it was cloned from
     */
    record DeleteClone(String domain, SnapshotRef source, String reason, List<DiskChange> disks, List<String> touches,
                       List<Path> removes, List<String> steps) implements Change {
        public DeleteClone {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            removes = List.copyOf(removes);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.DELETE_CLONE;
        }

        @Override
        public String snapshot() {
            return source.snapshot();
        }

        @Override
        public Impact impact() {
            return Impact.DESTRUCTIVE;
        }

        @Override
        public DeleteClone withReason(String why) {
            return new DeleteClone(domain, source, why, disks, touches, removes, steps);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.deleteClone(this);
        }
    }

    /**
     * A disk-only cut of every disk at one instant, exported to standalone files, then merged back.
     *
     * @param ref    the domain and the temporary snapshot
     * @param before the domain's run state the backup expects (running or paused); it ends so again
     * @param export where and how the cut is exported
     */
    record Backup(SnapshotRef ref, Impact impact, String reason, RunState before, List<DiskChange> disks,
                  List<String> touches, List<String> steps, Export export) implements Change {
        public Backup {
            disks = List.copyOf(disks);
            touches = List.copyOf(touches);
            steps = List.copyOf(steps);
        }

        @Override
        public Action action() {
            return Action.BACKUP;
        }

        @Override
        public String domain() {
            return ref.domain();
        }

        @Override
        public String snapshot() {
            return ref.snapshot();
        }

        /** The removes of a backup are those of its temporary snapshot's delete, planned when it runs. */
        @Override
        public List<Path> removes() {
            return List.of();
        }

        @Override
        public Backup withReason(String why) {
            return new Backup(ref, impact, why, before, disks, touches, steps, export);
        }

        /** The disk-only create that cuts the backup's disks (a temporary snapshot). */
        public Create cut() {
            return new Create(ref, Impact.SAFE, reason, false, false, before, disks, touches, steps, null, null);
        }

        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
            return visitor.backup(this);
        }
    }

    /**
     * What a RECOVER change does about an interrupted change.
     *
     * @param action  what the interrupted run was doing (create, revert, delete), or null for a bare pause
     * @param outcome how recovery ends it
     */
    record Recovers(Action action, Outcome outcome) {
    }

    /** How recovery ends an interrupted change. */
    enum Outcome {
        /** Roll forward: the change's effect is (partly) on the host; complete it. */
        FINISH,
        /** Roll back: remove what the change made (a snapshot whose disk cut cannot be trusted, or never ran). */
        UNDO,
        /** Only resume a domain the interrupted run left paused. */
        RESUME,
        /** Nothing of the change ran: only close its journal record. */
        CLOSE
    }

    /** A backup's export: standalone files in {@code dir}, as {@code format} (qcow2 or raw), compressed or not. */
    record Export(Path dir, String format, boolean compress) {
    }
}
