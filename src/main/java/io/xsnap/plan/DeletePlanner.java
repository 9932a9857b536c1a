package io.xsnap.plan;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The delete of one named snapshot: its internal tags deleted, its external frozen files merged out of their chains
 * (invariants 2, 3 and 10), its memory file and manifest removed. Pure, like {@link Planner}.
 */
final class DeletePlanner {
    private final PlanSession s;

    DeletePlanner(PlanSession s) {
        this.s = s;
    }

    /** What one delete does, gathered disk by disk. */
    private static final class Parts {
        final List<DiskChange> disks = new ArrayList<>();
        final List<String> touches = new ArrayList<>();
        final List<Path> removes = new ArrayList<>();
        final List<Step> steps = new ArrayList<>();
    }

    /** The delete of {@code stored}, or null with the errors in the session's findings. */
    Change.Delete delete(StoredSnapshot stored, String reason) {
        Manifest m = stored.manifest();
        String self = m.domain() + "/" + m.name();
        Parts out = new Parts();
        int errors = s.errorCount();
        if (usedOutside(m, self)) {
            return null;
        }
        for (Manifest.Disk d : m.disks()) {
            switch (d.cut()) {
                case INTERNAL -> deleteInternal(m, self, d, out);
                case EXTERNAL, REFLINK_COPY -> deleteExternal(self, d, out);
                default -> out.disks.add(new DiskChange(d.vdev(), CutMode.EXCLUDED, d.format(), null, null, null, null));
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        Path dir = s.layout.snapshotDir(m.domain(), m.name());
        if (m.memory() != null) {
            Path memory = dir.resolve(m.memory().file());
            out.removes.add(memory);
            if (!s.layout.contains(memory)) {
                out.steps.add(new Step.RemoveOutsideMemory(memory));
            }
        }
        out.removes.add(dir.resolve(StoreLayout.MANIFEST));
        out.removes.add(dir);
        out.removes.forEach(p -> out.touches.add(p + " (deleted)"));
        return new Change.Delete(new SnapshotRef(m.domain(), m.name()), reason, m.memory() != null, out.disks,
                out.touches, out.removes, StepText.lines(out.steps));
    }

    /** Whether other domains (clones) build on the snapshot's frozen state; if so, an error says which. */
    private boolean usedOutside(Manifest m, String self) {
        java.util.SortedSet<String> outside = new java.util.TreeSet<>();
        for (Manifest.Disk d : m.disks()) {
            Path shared = d.cut().external() && d.frozen() != null ? Path.of(d.frozen())
                    : d.cut() == CutMode.INTERNAL ? s.layout.frozenCopy(m.domain(), m.name(), d.vdev()) : null;
            if (shared != null && s.index.image(shared) != null) {
                outside.addAll(s.index.outsideUsers(shared, m.domain()));
            }
        }
        if (outside.isEmpty()) {
            return false;
        }
        List<String> clones = outside.stream().filter(u -> u.startsWith("clone ")).map(u -> u.substring(6)).toList();
        s.error(m.domain(), m.name(), "snapshot " + self + " holds the frozen state that " + String.join(", ", outside)
                + " build" + (outside.size() == 1 ? "s" : "") + " on; deleting it is refused while they use it",
                clones.isEmpty() ? "stop or rebase those domains first"
                : "delete the clones first: " + String.join("; ", clones.stream().map(c -> "xsnap delete-clone " + c).toList()));
        return true;
    }

    /** An internal disk: the tag deleted from its image, and the frozen copy made for clones removed. */
    private void deleteInternal(Manifest m, String self, Manifest.Disk d, Parts out) {
        Path copy = s.layout.frozenCopy(m.domain(), m.name(), d.vdev());
        if (s.index.image(copy) != null) {
            out.removes.add(copy);
            out.steps.add(new Step.RemoveFrozenCopy(d.vdev(), copy));
        }
        Path image = Path.of(d.image());
        out.disks.add(new DiskChange(d.vdev(), CutMode.INTERNAL, d.format(), image, d.tag(), null, null));
        ImageInfo img = s.index.image(image);
        List<Path> users = s.index.usersOf(image);
        if (img == null || !img.hasSnapshot(d.tag())) {
            out.steps.add(new Step.TagGone(d.vdev(), d.tag(), image));
        } else if (!users.isEmpty()) {
            s.error(m.domain(), m.name(), d.vdev() + ": internal snapshot '" + d.tag() + "' lives in " + image
                    + ", which is now the backing file of " + PlanSession.joinPaths(users)
                    + "; deleting it would write a file that must not change",
                    "delete the external snapshots taken after it first");
        } else {
            out.touches.add(image + " (internal snapshot '" + d.tag() + "' deleted)");
            out.steps.add(new Step.DeleteTag(d.tag(), image));
            if (onlyHolds(self, image, img, d.tag())) {
                out.removes.add(image);
                out.steps.add(new Step.RemoveTagLayer(d.vdev(), image, d.tag()));
            }
        }
    }

    /**
     * How the frozen file of an external snapshot leaves the chain (invariants 2, 3 and 10): merge the layer
     * above into it, or stream it into the layer above, and remove only a file the store owns that nothing
     * else uses. Commit writes the frozen file and removes the layer above, so that layer must be the
     * store's, named by no other snapshot and hold no internal snapshot; stream writes the layer above (its
     * guest-visible content stays the same, but an internal snapshot in it would read its backing data from the new
     * base), so that layer must hold no internal snapshot either. Stream removes the frozen file only when the store
     * owns it and it holds no internal snapshot (one of another xsnap snapshot, or one made by hand): else the frozen
     * file stays, out of the chain and backing nothing, so every internal snapshot in it still reverts. When both
     * ways are possible, the one that copies fewer bytes wins. The ladder of "keep it" cases reads best in one place:
     * each rung is one reason the file stays where it is.
     */
    private void deleteExternal(String self, Manifest.Disk d, Parts out) {
        Path frozen = Path.of(d.frozen());
        List<Path> users = s.index.usersOf(frozen);
        Set<String> others = s.index.namedByOthers(frozen, self);
        Set<String> frozenByOthers = s.index.frozenByOthers(frozen, self);
        boolean owned = s.layout.contains(frozen);
        ImageInfo frozenInfo = s.index.image(frozen);
        if (frozenInfo == null) {
            keep(d, frozen, out, new Step.FrozenGone(d.vdev(), frozen));
            return;
        }
        // the frozen file holds internal snapshots (ours or made by hand): it stays, whichever way it leaves the chain
        List<String> frozenTags = frozenInfo.snapshots().stream().map(t -> t.name()).toList();
        boolean removable = owned && others.isEmpty() && frozenTags.isEmpty();
        if (!frozenByOthers.isEmpty() || !owned && users.isEmpty()) {
            keep(d, frozen, out, frozenByOthers.isEmpty() ? new Step.NotInStore()
                    : new Step.NamedByOthers(List.copyOf(frozenByOthers)));
            return;
        }
        if (users.size() > 1) {
            keep(d, frozen, out, new Step.BacksImages(users));
            return;
        }
        if (users.isEmpty()) {
            if (removable) {
                out.removes.add(frozen);
                keep(d, frozen, out, new Step.Unused(d.vdev(), frozen));
            } else {
                keep(d, frozen, out, new Step.HoldsTags(frozenTags));
            }
            return;
        }
        Path above = users.get(0);
        if (s.index.usersOf(above).size() > 1 || s.index.chainHolders(above) > 1) {
            keep(d, frozen, out, new Step.SharedAbove(above));
            return;
        }
        ImageInfo aboveInfo = s.index.image(above);
        List<String> aboveTags = aboveInfo == null ? List.of() : aboveInfo.snapshots().stream().map(t -> t.name()).toList();
        if (!aboveTags.isEmpty()) {
            // a commit would remove them with the layer, a stream would change what they read (invariant 10)
            keep(d, frozen, out, new Step.AboveHoldsTags(above, aboveTags));
            return;
        }
        boolean aboveOwned = s.layout.contains(above) && s.index.namedByOthers(above, self).isEmpty();
        if (!owned && !aboveOwned) {
            keep(d, frozen, out, new Step.AboveMustStay(above));
            return;
        }
        merge(d, frozen, above, aboveInfo, owned, aboveOwned, removable, out);
    }

    /** The frozen file stays where it is, for {@code why}. */
    private static void keep(Manifest.Disk d, Path frozen, Parts out, Step.KeepWhy why) {
        keep(d, frozen, out, new Step.Keep(d.vdev(), frozen, why));
    }

    /** The frozen file takes part in no merge (removed or not, as the caller decided): {@code step} says so. */
    private static void keep(Manifest.Disk d, Path frozen, Parts out, Step step) {
        out.disks.add(new DiskChange(d.vdev(), CutMode.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
        out.steps.add(step);
    }

    /** The frozen file leaves the chain by commit or stream, whichever is allowed and copies fewer bytes. */
    private void merge(Manifest.Disk d, Path frozen, Path above, ImageInfo aboveInfo, boolean owned, boolean aboveOwned,
                       boolean removable, Parts out) {
        long commitCost = s.commitCost(above);
        long streamCost = s.streamCost(frozen, above);
        DiskChange.Merge merge = !aboveOwned ? DiskChange.Merge.STREAM
                : !owned || !removable ? DiskChange.Merge.COMMIT
                : streamCost < commitCost ? DiskChange.Merge.STREAM : DiskChange.Merge.COMMIT;
        boolean measured = aboveInfo != null && aboveInfo.allocatedBytes() >= 0 && aboveInfo.backingVisibleBytes() >= 0;
        Step.Costs costs = removable && aboveOwned && measured
                ? new Step.Costs(Math.min(commitCost, streamCost), Math.max(commitCost, streamCost)) : null;
        out.disks.add(new DiskChange(d.vdev(), CutMode.EXTERNAL, d.format(), frozen, null, above, merge));
        boolean live = s.index.holder(above) != null;
        if (merge == DiskChange.Merge.COMMIT) {
            out.touches.add(frozen + " (receives the data of " + above + ")");
            out.removes.add(above);
            out.steps.add(new Step.Commit(above, frozen, live, costs));
        } else {
            out.touches.add(above + " (receives the data of " + frozen + "; guest-visible content unchanged)");
            if (removable) {
                out.removes.add(frozen);
            }
            out.steps.add(new Step.Stream(frozen, above, live, costs, !removable));
        }
    }

    /**
     * Whether {@code image} is a layer of the store kept only for the internal snapshot {@code tag} of {@code self}
     * (a revert left it out of the chain because the tag was in it): no other tag, in no chain, backing nothing, named
     * by no other snapshot, no clone's overlay. Deleting the snapshot removes it, or it would stay forever.
     */
    private boolean onlyHolds(String self, Path image, ImageInfo img, String tag) {
        return image.startsWith(s.layout.layersDir(SnapshotRef.parse(self).domain())) && img.snapshots().stream().allMatch(t -> tag.equals(t.name()))
                && s.index.chainHolders(image) == 0 && s.index.usersOf(image).isEmpty()
                && s.index.namedByOthers(image, self).isEmpty() && s.actual.clones().stream()
                .flatMap(c -> c.disks().stream()).noneMatch(c -> image.toString().equals(c.overlay()));
    }
}
