package io.xsnap.plan;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageGraph;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StorePaths;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change.Outcome;
import io.xsnap.plan.Change.Recovers;
import io.xsnap.plan.Interrupted.Step;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Plans recovery (pure): one RECOVER change per change an interrupted run left open in the journal, and
 * one per snapshot directory without a manifest that no journal record explains.
 *
 * <ul>
 *   <li>create: finished (manifest written) when the save and the cut ended, or when a disk-only cut shows
 *       on the host (one transaction: all disks or none); else undone — internal snapshots it made are
 *       deleted, an overlay it made active is committed back, its files removed;</li>
 *   <li>revert: finished once the domain was stopped (the way back is gone): disks laid, domain started
 *       from the manifest's recipe, discarded layers removed;</li>
 *   <li>delete: finished: merges ended or run again, the listed files removed;</li>
 *   <li>a pause without its resume: the domain resumed;</li>
 *   <li>a change of which no step ran: its record closed.</li>
 * </ul>
 */
final class RecoveryPlanner {
    private final StoreLayout layout;
    private final Actual actual;
    private final HostIndex index;
    private final ImageGraph graph;

    RecoveryPlanner(StoreLayout layout, Actual actual) {
        this.layout = layout;
        this.actual = actual;
        this.index = new HostIndex(actual);
        this.graph = new ImageGraph(actual);
    }

    List<Change> plan(List<Interrupted> interrupted, List<Finding> findings) {
        List<Change> out = new ArrayList<>();
        Set<String> explained = new HashSet<>();
        for (Interrupted i : interrupted) {
            explained.add(i.address());
            String damage = damage(i);
            if (damage != null) {
                findings.add(new Finding(Finding.Kind.ERROR, i.domain(), snapshotOf(i.address()), "the journal "
                        + layout.journal() + " is damaged: the record of " + i.address() + " " + damage
                        + "; xsnap recovers nothing from it", "check the host by hand, then remove the lines of "
                        + i.address() + " from " + layout.journal() + " (or the whole file, once nothing is half done)"));
                continue;
            }
            Change c = i.change() == null ? resumeOnly(i) : switch (i.change().action()) {
                case CREATE -> create(i);
                case REVERT -> revert(i, findings);
                case DELETE -> delete(i);
                // clones and backups journal no begin entry of their own (a backup's cut and merge are a
                // CREATE and a DELETE, recovered as such)
                case RECOVER, CLONE, DELETE_CLONE, BACKUP -> null;
            };
            if (c != null) {
                out.add(c);
            }
        }
        for (String address : actual.incomplete()) {
            if (!explained.contains(address)) {
                out.add(incompleteDir(address));
            }
        }
        return out;
    }

    /**
     * What is wrong with an interrupted change read back from the journal (invariant 8), or null: its names must be
     * plain, the files it removes must lie in the store, and the files it touches in the store or in an observed chain.
     */
    private String damage(Interrupted i) {
        if (i.damage() != null) {
            return i.damage();
        }
        Change c = i.change();
        if (c == null) {
            return null;
        }
        Path record = layout.journal();
        StorePaths trust = StorePaths.of(layout, actual);
        try {
            StorePaths.plainName(c.domain(), record, "domain");
            StorePaths.plainName(c.snapshot(), record, "snapshot");
            StorePaths.required(c.action(), record, "action");
            for (Path p : c.removes()) {
                trust.inStore(p, record, "removes");
            }
            if (c.memoryFile() != null && (!c.memoryFile().isAbsolute()
                    || !c.memoryFile().equals(c.memoryFile().normalize()))) {
                // removed only as the driver's trusted state vouches for it (apply's Remover): here only its form
                return "memory_file " + c.memoryFile() + " is not an absolute, normal path";
            }
            for (DiskChange d : c.disks()) {
                StorePaths.plainName(d.vdev(), record, "disks.vdev");
                StorePaths.required(d.mode(), record, "disks.mode");
                if (d.image() != null) {
                    trust.fileOf(c.domain(), d.image(), record, "disks.image");
                }
                if (d.layer() != null && c.action() != Action.CREATE) {
                    trust.fileOf(c.domain(), d.layer(), record, "disks.layer");
                }
            }
            return null;
        } catch (StorePaths.DamagedRecord e) {
            return e.what();
        }
    }

    private Change resumeOnly(Interrupted i) {
        DomainInfo d = index.domain(i.domain());
        String what = d != null && d.state() == RunState.PAUSED ? "resume " + i.domain()
                : i.domain() + " is " + (d == null ? "gone" : d.state().word()) + ": only close the record";
        return recover(i.domain(), snapshotOf(i.address()), null, Outcome.RESUME, Impact.DISRUPTIVE,
                "an interrupted run paused " + i.domain() + " (" + i.address() + ") and did not resume it",
                false, false, "running", List.of(), List.of(), List.of(), List.of(what));
    }

    // ---------------------------------------------------------------- create

    private Change create(Interrupted i) {
        Change c = i.change();
        String why = "interrupted create of " + c.address() + " (journal: " + lastStep(i) + ")";
        if (!i.began(Step.MKDIR)) {
            return close(i, why);
        }
        boolean cutRan = i.began(Step.SAVE) || i.began(Step.CUT);
        StoredSnapshot stored = index.snapshot(c.domain(), c.snapshot());
        Path memory = c.memoryFile() != null ? c.memoryFile() : layout.memory(c.domain(), c.snapshot());
        boolean finish;
        if (stored != null) {
            finish = true;
        } else if (i.began(Step.CUT_DONE)) {
            // apply checks the memory file against the journalled size before it writes the manifest
            finish = !c.memory() || i.memoryBytes() >= 0;
        } else {
            finish = cutRan && !c.memory() && cutShows(c);
        }
        if (finish) {
            List<String> steps = new ArrayList<>(resume(i));
            if (stored == null) {
                steps.add("write manifest " + layout.manifest(c.domain(), c.snapshot())
                        + (c.memory() ? " (memory: " + memory + ", " + i.memoryBytes() + " bytes)" : ""));
            }
            steps.add("mark " + c.snapshot() + " current for " + c.domain());
            return withMemoryFile(recover(c.domain(), c.snapshot(), Action.CREATE, Outcome.FINISH, Impact.SAFE,
                    why + "; the disks were cut, so the snapshot is complete but for its manifest",
                    c.memory(), c.live(), c.runAfter(), c.disks(), List.of(layout.manifest(c.domain(), c.snapshot())
                            + " (written)"), List.of(), steps), c);
        }
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        List<String> steps = new ArrayList<>(resume(i));
        for (DiskChange d : c.disks()) {
            if (DiskChange.INTERNAL.equals(d.mode())) {
                ImageInfo img = index.image(d.image());
                if (cutRan && img != null && img.hasSnapshot(d.tag())) {
                    disks.add(d);
                    touches.add(d.image() + " (internal snapshot '" + d.tag() + "' deleted)");
                    steps.add("delete internal snapshot '" + d.tag() + "' from " + d.image());
                }
            } else if (DiskChange.EXTERNAL.equals(d.mode()) && i.began(Step.OVERLAY + " " + d.vdev())) {
                boolean active = cutRan && !graph.holders(d.layer()).isEmpty()
                        && index.image(d.layer()) != null && d.image().equals(index.image(d.layer()).backingPath());
                disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), d.image(), null, d.layer(),
                        active ? DiskChange.Merge.COMMIT : DiskChange.Merge.NONE));
                if (active) {
                    touches.add(d.image() + " (receives the writes made on " + d.layer() + " since the cut)");
                    steps.add("commit " + d.layer() + " back into " + d.image() + " (live block-commit)");
                }
                removes.add(d.layer());
            }
        }
        Path dir = layout.snapshotDir(c.domain(), c.snapshot());
        if (c.memory() && c.memoryFile() != null) {
            // outside the store: removed only when the driver's trusted state says xsnap made it (apply checks)
            removes.add(c.memoryFile());
        }
        removes.add(dir.resolve(StoreLayout.MEMORY));
        removes.add(dir.resolve("." + StoreLayout.MANIFEST + ".tmp"));
        removes.add(dir);
        removes.forEach(p -> touches.add(p + " (deleted)"));
        String reason = why + (cutRan ? "; the save or cut did not end, so the snapshot cannot be trusted"
                : "; the disks were never cut");
        return withMemoryFile(recover(c.domain(), c.snapshot(), Action.CREATE, Outcome.UNDO, Impact.DESTRUCTIVE, reason,
                c.memory(), c.live(), "unchanged", disks, touches, removes, steps), c);
    }

    /** The recovery {@code r} of the create {@code c}, saving memory where {@code c} did. */
    private static Change withMemoryFile(Change r, Change c) {
        return c.memoryFile() == null ? r : new Change(r.action(), r.domain(), r.snapshot(), r.impact(), r.reason(),
                r.memory(), r.live(), r.runAfter(), r.disks(), r.touches(), r.removes(), r.steps(), r.recovers(),
                r.requestId(), r.source(), r.export(), r.description(), c.memoryFile());
    }

    /** A disk-only cut shows on the host: an internal tag is in its image, or an overlay is a chain's top. */
    private boolean cutShows(Change c) {
        for (DiskChange d : c.disks()) {
            if (DiskChange.INTERNAL.equals(d.mode())) {
                ImageInfo img = index.image(d.image());
                if (img != null && img.hasSnapshot(d.tag())) {
                    return true;
                }
            } else if (DiskChange.EXTERNAL.equals(d.mode()) && !graph.holders(d.layer()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- revert

    private Change revert(Interrupted i, List<Finding> findings) {
        Change c = i.change();
        String why = "interrupted revert of " + c.address() + " (journal: " + lastStep(i) + ")";
        if (!i.began(Step.STOP) && !i.began(Step.APPLY_TAG) && !i.began(Step.NEW_LAYER) && !i.began(Step.START)) {
            return close(i, why);
        }
        if (index.snapshot(c.domain(), c.snapshot()) == null) {
            io.xsnap.observe.Damaged damaged = actual.damaged(c.domain(), c.snapshot());
            if (damaged != null) {
                findings.add(new Finding(Finding.Kind.ERROR, c.domain(), c.snapshot(), why + ", and " + damaged.file()
                        + " is damaged: " + damaged.why() + ": xsnap cannot start " + c.domain() + " again from it",
                        "repair " + damaged.file() + " and run again, or start " + c.domain() + " by hand"));
                return null;
            }
            findings.add(new Finding(Finding.Kind.ERROR, c.domain(), c.snapshot(), why + ", and the snapshot is gone "
                    + "from the store: xsnap cannot start " + c.domain() + " again", "start " + c.domain() + " by hand"));
            return null;
        }
        DomainInfo d = index.domain(c.domain());
        if (d != null && d.state().active() && !i.began(Step.START)) {
            // killed before the stop took effect: the domain runs on as it was, nothing was reverted
            return close(i, why + "; " + c.domain() + " still runs as it was");
        }
        boolean up = i.began(Step.STARTED) || d != null && d.state().active();
        List<String> steps = new ArrayList<>();
        if (!up) {
            steps.addAll(c.steps().stream().filter(s -> !s.startsWith("stop ")).toList());
        } else {
            steps.add(c.domain() + " runs again; what is left: remove the discarded layers, mark the snapshot current");
        }
        return recover(c.domain(), c.snapshot(), Action.REVERT, Outcome.FINISH, Impact.DISRUPTIVE,
                why + (up ? "" : "; " + c.domain() + " was stopped, so the revert is finished"), c.memory(), false,
                c.runAfter(), c.disks(), c.touches(), c.removes(), steps);
    }

    // ---------------------------------------------------------------- delete

    private Change delete(Interrupted i) {
        Change c = i.change();
        String why = "interrupted delete of " + c.address() + " (journal: " + lastStep(i) + ")";
        if (i.steps().isEmpty()) {
            return close(i, why);
        }
        List<String> steps = new ArrayList<>();
        for (DiskChange d : c.disks()) {
            if (DiskChange.INTERNAL.equals(d.mode())) {
                ImageInfo img = index.image(d.image());
                if (img != null && img.hasSnapshot(d.tag())) {
                    steps.add("delete internal snapshot '" + d.tag() + "' from " + d.image());
                }
            } else if (d.merge() == DiskChange.Merge.COMMIT || d.merge() == DiskChange.Merge.STREAM) {
                steps.add("end the " + d.merge().name().toLowerCase(java.util.Locale.ROOT) + " of " + d.vdev()
                        + " (" + d.layer() + " / " + d.image() + "), running it again if it did not end");
            }
        }
        steps.add("remove what is left of the listed files");
        return recover(c.domain(), c.snapshot(), Action.DELETE, Outcome.FINISH, Impact.DESTRUCTIVE,
                why + "; a delete that began is finished", c.memory(), false, "unchanged", c.disks(), c.touches(),
                c.removes(), steps);
    }

    // ---------------------------------------------------------------- others

    private Change incompleteDir(String address) {
        String domain = address.substring(0, address.indexOf('/'));
        String snapshot = snapshotOf(address);
        Path dir = layout.snapshotDir(domain, snapshot);
        List<Path> removes = List.of(dir.resolve(StoreLayout.MEMORY), dir.resolve("." + StoreLayout.MANIFEST + ".tmp"), dir);
        return recover(domain, snapshot, Action.CREATE, Outcome.UNDO, Impact.DESTRUCTIVE,
                "snapshot directory " + dir + " has no manifest and no journal record: a create that never ended",
                false, false, "unchanged", List.of(), removes.stream().map(p -> p + " (deleted)").toList(), removes,
                List.of("remove the incomplete snapshot directory"));
    }

    /** "resume D" when the interrupted run left its domain paused (apply resumes it before anything else). */
    private List<String> resume(Interrupted i) {
        DomainInfo d = index.domain(i.domain());
        return i.pauseOpen() && d != null && d.state() == RunState.PAUSED ? List.of("resume " + i.domain()) : List.of();
    }

    private Change close(Interrupted i, String why) {
        Change c = i.change();
        List<String> steps = new ArrayList<>(resume(i));
        steps.add("close the journal record");
        return recover(c.domain(), c.snapshot(), c.action(), i.pauseOpen() ? Outcome.RESUME : Outcome.CLOSE,
                i.pauseOpen() ? Impact.DISRUPTIVE : Impact.SAFE, why + "; nothing of it took effect", false, false,
                "unchanged", List.of(), List.of(), List.of(), steps);
    }

    private static Change recover(String domain, String snapshot, Action of, Outcome outcome, Impact impact,
                                  String reason, boolean memory, boolean live, String runAfter, List<DiskChange> disks,
                                  List<String> touches, List<Path> removes, List<String> steps) {
        return new Change(Action.RECOVER, domain, snapshot, impact, reason, memory, live, runAfter, disks, touches,
                removes, steps, new Recovers(of, outcome));
    }

    private static String snapshotOf(String address) {
        return address.substring(address.indexOf('/') + 1);
    }

    private static String lastStep(Interrupted i) {
        return i.steps().isEmpty() ? Step.BEGIN : i.steps().get(i.steps().size() - 1);
    }
}
