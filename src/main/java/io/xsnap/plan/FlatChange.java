package io.xsnap.plan;

import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A change as one flat JSON object (schemas/plan-v1.schema.json): the shape plans, saved plans, the journal and apply
 * results have always had. Field order is output order; a field a change does not have is null (left out) or its
 * constant value (a delete's {@code run_after} is "unchanged"). Only {@link Change} converts to and from it.
 *
 * @param runAfter  create, backup: the run state expected before (and kept); revert, clone: the state left;
 *                  delete: "unchanged"; delete-clone: "shutoff"; recover: the state left, or "unchanged"
 * @param recovers  recover: the interrupted change and how it ends; else null
 * @param requestId revert: the one-shot request it carries out, or null
 * @param source    clone, delete-clone: the source snapshot, "domain/snapshot"; else null
 * @param export    backup: where and how the cut is exported; else null
 * @param description create: the note the snapshot keeps in its manifest, or null
 * @param memoryFile create, and the recovery of one: where the memory is saved when it is outside the store, or null
 *                   (memory.save beside the manifest)
 */
public record FlatChange(Action action, String domain, String snapshot, Impact impact, String reason, boolean memory,
                         boolean live, String runAfter, List<DiskChange> disks, List<String> touches, List<Path> removes,
                         List<String> steps, Change.Recovers recovers, String requestId, String source,
                         Change.Export export, String description, Path memoryFile) {
    /** The run_after of a change that leaves the domain's run state as it is. */
    static final String UNCHANGED = "unchanged";

    static FlatChange of(Change change) {
        return change.accept(new Change.Visitor<FlatChange, RuntimeException>() {
            @Override
            public FlatChange create(Change.Create c) {
                return new FlatChange(Action.CREATE, c.domain(), c.snapshot(), c.impact(), c.reason(), c.memory(),
                        c.live(), word(c.before()), c.disks(), c.touches(), c.removes(), c.steps(), null, null, null,
                        null, c.description(), c.memoryFile());
            }

            @Override
            public FlatChange revert(Change.Revert c) {
                return new FlatChange(Action.REVERT, c.domain(), c.snapshot(), c.impact(), c.reason(), c.memory(),
                        false, word(c.after()), c.disks(), c.touches(), c.removes(), c.steps(), null, c.requestId(),
                        null, null, null, null);
            }

            @Override
            public FlatChange delete(Change.Delete c) {
                return new FlatChange(Action.DELETE, c.domain(), c.snapshot(), c.impact(), c.reason(), c.memory(),
                        false, UNCHANGED, c.disks(), c.touches(), c.removes(), c.steps(), null, null, null, null, null,
                        null);
            }

            @Override
            public FlatChange recover(Change.Recover c) {
                return new FlatChange(Action.RECOVER, c.domain(), c.snapshot(), c.impact(), c.reason(), c.memory(),
                        c.live(), word(c.runAfter()), c.disks(), c.touches(), c.removes(), c.steps(), c.recovers(),
                        null, null, null, null, c.memoryFile());
            }

            @Override
            public FlatChange clone(Change.Clone c) {
                return new FlatChange(Action.CLONE, c.domain(), c.snapshot(), c.impact(), c.reason(), c.memory(), false,
                        word(c.start()), c.disks(), c.touches(), c.removes(), c.steps(), null, null,
                        c.source().toString(), null, null, null);
            }

            @Override
            public FlatChange deleteClone(Change.DeleteClone c) {
                return new FlatChange(Action.DELETE_CLONE, c.domain(), c.snapshot(), c.impact(), c.reason(), false,
                        false, word(RunState.SHUTOFF), c.disks(), c.touches(), c.removes(), c.steps(), null, null,
                        c.source().toString(), null, null, null);
            }

            @Override
            public FlatChange backup(Change.Backup c) {
                return new FlatChange(Action.BACKUP, c.domain(), c.snapshot(), c.impact(), c.reason(), false, false,
                        word(c.before()), c.disks(), c.touches(), c.removes(), c.steps(), null, null, null, c.export(),
                        null, null);
            }
        });
    }

    /**
     * The record this object describes. A field the action does not have is ignored; a missing action, an unknown
     * run state or a missing list is an {@link IllegalArgumentException} (the journal reports such a record as
     * damaged).
     */
    Change toChange() {
        if (action == null) {
            throw new IllegalArgumentException("action is missing");
        }
        SnapshotRef ref = new SnapshotRef(domain, snapshot);
        return switch (action) {
            case CREATE -> new Change.Create(ref, impact, reason, memory, live, state(), list(disks, "disks"),
                    list(touches, "touches"), list(steps, "steps"), description, memoryFile);
            case REVERT -> new Change.Revert(ref, reason, memory, state(), list(disks, "disks"), list(touches, "touches"),
                    list(removes, "removes"), list(steps, "steps"), requestId);
            case DELETE -> new Change.Delete(ref, reason, memory, list(disks, "disks"), list(touches, "touches"),
                    list(removes, "removes"), list(steps, "steps"));
            case RECOVER -> new Change.Recover(ref, recovers, impact, reason, memory, live, state(),
                    list(disks, "disks"), list(touches, "touches"), list(removes, "removes"), list(steps, "steps"),
                    memoryFile);
            case CLONE -> new Change.Clone(domain, sourceRef(), reason, memory, state(), list(disks, "disks"),
                    list(touches, "touches"), list(steps, "steps"));
            case DELETE_CLONE -> new Change.DeleteClone(domain, sourceRef(), reason, list(disks, "disks"),
                    list(touches, "touches"), list(removes, "removes"), list(steps, "steps"));
            case BACKUP -> new Change.Backup(ref, impact, reason, state(), list(disks, "disks"), list(touches, "touches"),
                    list(steps, "steps"), export);
        };
    }

    private static String word(RunState state) {
        return state == null ? UNCHANGED : state.word();
    }

    /** The run state {@code run_after} names; null for "unchanged". */
    private RunState state() {
        if (runAfter == null) {
            throw new IllegalArgumentException("run_after is missing");
        }
        if (UNCHANGED.equals(runAfter)) {
            return null;
        }
        try {
            return RunState.valueOf(runAfter.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("run_after '" + runAfter + "' is not a run state");
        }
    }

    private SnapshotRef sourceRef() {
        if (source == null) {
            throw new IllegalArgumentException("source is missing");
        }
        return SnapshotRef.parse(source);
    }

    private static <T> List<T> list(List<T> values, String field) {
        if (values == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return values;
    }
}
