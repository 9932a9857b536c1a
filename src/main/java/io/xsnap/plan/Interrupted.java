package io.xsnap.plan;

import io.xsnap.host.RestartRecipe;
import java.util.List;

/**
 * A change an earlier run began and did not end, as its journal records it ({@code <store>/.journal}).
 *
 * @param address     "domain/snapshot"
 * @param domain      the domain
 * @param change      the change as it was planned, or null for a bare pause record (no change began)
 * @param steps       the steps that began, in order (each was journalled before it ran)
 * @param recipe      create: how the domain could be started again, as taken before the change; else null
 * @param parent      create: the snapshot that was current before it, or null
 * @param memoryBytes create: the bytes of memory saved once the save and the disk cut ended, else -1
 * @param pauseOpen   the run paused the domain and did not resume it
 */
public record Interrupted(String address, String domain, Change change, List<String> steps, RestartRecipe recipe,
                          String parent, long memoryBytes, boolean pauseOpen, String damage) {
    public Interrupted {
        steps = List.copyOf(steps);
    }

    /** A record that could be read. */
    public Interrupted(String address, String domain, Change change, List<String> steps, RestartRecipe recipe,
                       String parent, long memoryBytes, boolean pauseOpen) {
        this(address, domain, change, steps, recipe, parent, memoryBytes, pauseOpen, null);
    }

    /** Whether a step whose name is {@code step} or starts with "{@code step} " began. */
    public boolean began(String step) {
        return steps.stream().anyMatch(s -> s.equals(step) || s.startsWith(step + " "));
    }

    /**
     * The step names the journal records, in the order a change takes them. A step's entry is written
     * (and fsynced) before the step runs; an entry may add a detail after a space ("overlay xvdb").
     */
    public static final class Step {
        /** A change begins: its plan, and for a create the restart recipe and parent, are recorded. */
        public static final String BEGIN = "begin";
        public static final String DONE = "done";
        /** A change was taken back completely (by the run itself or by recovery). */
        public static final String UNDONE = "undone";
        /** Recovery found nothing of the change on the host. */
        public static final String CLOSED = "closed";

        public static final String MKDIR = "mkdir";
        public static final String OVERLAY = "overlay";
        public static final String PAUSE = "pause";
        /** Memory saved and disks cut in one step (the domain ends paused). */
        public static final String SAVE = "save";
        /** Disks cut in one transaction, no memory. */
        public static final String CUT = "cut";
        /** The save and the cut ended; the entry records the bytes of memory. */
        public static final String CUT_DONE = "cut-done";
        public static final String RESUME = "resume";
        /** Recovery resumed a domain a crashed run had left paused. */
        public static final String RESUMED = "resumed-by-recovery";
        public static final String MANIFEST = "manifest";
        public static final String CURRENT = "current";

        public static final String STOP = "stop";
        public static final String APPLY_TAG = "apply-tag";
        public static final String NEW_LAYER = "new-layer";
        public static final String START = "start";
        public static final String STARTED = "started";

        public static final String DELETE_TAG = "delete-tag";
        public static final String MERGE = "merge";
        public static final String MERGED = "merged";
        public static final String REMOVE = "remove";

        private Step() {
        }
    }
}
