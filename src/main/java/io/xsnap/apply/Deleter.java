package io.xsnap.apply;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.ImageGraph;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Interrupted.Step;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Deletes one snapshot (and, for recovery, undoes a half-made one the same way): internal tags go (through QMP when a running domain holds the image), external
 * frozen files leave their chain by the planned merge (live block job, or qemu-img offline), then exactly
 * the files the plan listed are removed, the manifest last.
 */
final class Deleter {
    private final ApplyContext ctx;

    Deleter(ApplyContext ctx) {
        this.ctx = ctx;
    }

    long run(Change.Delete c, Actual actual) throws IOException {
        refuseStrayFiles(c);
        ctx.journal().begin(c, ctx.driver().name(), null, null);
        finish(c, actual, Step.DONE);
        return -1;
    }

    /**
     * A file in the snapshot's directory that the plan does not remove (a note someone left there) would stop the
     * delete half way, at the directory: refuse before the first step instead, naming it.
     */
    private void refuseStrayFiles(Change c) throws IOException {
        Path dir = ctx.layout().snapshotDir(c.domain(), c.snapshot());
        if (!c.removes().contains(dir) || !java.nio.file.Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        java.util.List<String> stray = StoreFiles.names(dir).stream()
                .filter(n -> !c.removes().contains(dir.resolve(n))).toList();
        if (!stray.isEmpty()) {
            throw new io.xsnap.host.HostException("refusing to delete " + c.address() + ": its directory " + dir
                    + " holds " + String.join(", ", stray) + ", which xsnap did not make; move "
                    + (stray.size() == 1 ? "it" : "them") + " out of the store, then delete again (nothing was changed)");
        }
    }

    /**
     * Runs (or, for recovery, runs again) every step of the delete {@code c} against the host as it is now:
     * each step checks first whether it already happened, then closes the change.
     */
    void finish(Change c, Actual actual, String closeStep) throws IOException {
        for (DiskChange d : c.disks()) {
            if (d.mode() == CutMode.INTERNAL) {
                deleteInternal(c, d, actual);
            } else if (d.mode().external() && d.merge() != null && d.merge() != DiskChange.Merge.NONE) {
                merge(c, d, actual);
            }
        }
        reparentChildren(c, actual);
        new Remover(ctx).remove(c, c.address());
        ctx.journal().step(c, ctx.driver().name(), closeStep, null);
    }

    /**
     * The snapshots taken after the deleted one (its children) take its parent, as libvirt does; done before its
     * manifest goes, so a run interrupted after it finds the children already moved.
     */
    private void reparentChildren(Change c, Actual actual) throws IOException {
        io.xsnap.observe.StoredSnapshot gone = actual.snapshots().stream()
                .filter(s -> s.domain().equals(c.domain()) && s.name().equals(c.snapshot())).findFirst().orElse(null);
        if (gone == null) {
            return;
        }
        for (io.xsnap.observe.StoredSnapshot child : actual.snapshots()) {
            io.xsnap.observe.Manifest m = child.manifest();
            if (m.domain().equals(c.domain()) && c.snapshot().equals(m.parent())) {
                io.xsnap.observe.Manifest moved = new io.xsnap.observe.Manifest(m.formatVersion(), m.name(), m.domain(),
                        m.driver(), m.created(), m.description(), m.state(), m.memory(), m.disks(),
                        gone.manifest().parent(), m.restart());
                ctx.reporter().say("  " + m.domain() + "/" + m.name() + ": parent " + c.snapshot() + " -> "
                        + (moved.parent() == null ? "none" : moved.parent()));
                StoreFiles.writeAtomically(ctx.layout().manifest(m.domain(), m.name()), ctx.json().writeValueAsBytes(moved));
            }
        }
    }

    private void deleteInternal(Change c, DiskChange d, Actual actual) {
        ImageInfo img = image(actual, d.image());
        if (img == null || !img.hasSnapshot(d.tag())) {
            return;
        }
        ctx.journal().step(c, ctx.driver().name(), Step.DELETE_TAG + " " + d.vdev(), "delete it again (idempotent)");
        Map.Entry<DomainInfo, DiskInfo> holder = topHolder(actual, d.image());
        if (holder != null) {
            ctx.reporter().say("  " + d.vdev() + ": deleting internal snapshot '" + d.tag() + "' through "
                    + holder.getKey().name() + "'s QEMU");
            ctx.driver().deleteInternalSnapshot(holder.getKey(), holder.getValue(), d.tag());
        } else {
            ImageWriteGuard.check(actual, d.image(), null, "delete internal snapshot '" + d.tag() + "' from");
            ctx.reporter().say("  " + d.vdev() + ": qemu-img snapshot -d " + d.tag() + " " + d.image());
            ctx.qemuImg().snapshotDelete(d.image(), d.tag());
        }
    }

    private void merge(Change c, DiskChange d, Actual actual) {
        Path frozen = d.image();
        Path above = d.layer();
        Map.Entry<DomainInfo, DiskInfo> holder = chainHolder(actual, above);
        if (holder != null && ctx.driver().settleJobs(holder.getKey())) {
            // a block job an interrupted run had started has ended now: look again
            actual = ctx.observer().observe();
            holder = chainHolder(actual, above);
        }
        if (mergeDone(actual, d)) {
            ctx.reporter().say("  " + d.vdev() + ": " + frozen + " has left the chain already");
            return;
        }
        if (journalledMerged(c, d)) {
            // the host cannot show it once the domain is gone (its QEMU killed) and the layer removed
            ctx.reporter().say("  " + d.vdev() + ": the interrupted run ended this merge (journal: "
                    + Step.MERGED + ")");
            return;
        }
        ctx.journal().step(c, ctx.driver().name(), Step.MERGE + " " + d.vdev(), d.merge().name().toLowerCase(java.util.Locale.ROOT)
                + " again: the data is in both files until it ends");
        if (d.merge() == DiskChange.Merge.COMMIT) {
            if (holder != null) {
                ctx.reporter().say("  " + d.vdev() + ": block-commit " + above + " into " + frozen);
                ctx.driver().commitLayer(holder.getKey(), holder.getValue(), above, frozen);
            } else {
                ImageWriteGuard.check(actual, frozen, null, "commit into");
                ImageWriteGuard.check(actual, above, null, "commit");
                ctx.reporter().say("  " + d.vdev() + ": qemu-img commit " + above + " into " + frozen);
                ctx.qemuImg().commit(above, null, true);
                for (ImageInfo user : actual.images()) {
                    if (above.equals(user.backingPath())) {
                        ImageWriteGuard.check(actual, user.path(), null, "rebase");
                        ctx.qemuImg().rebase(user.path(), frozen.toString(), d.format(), true);
                    }
                }
            }
        } else {
            ImageInfo f = image(actual, frozen);
            Path newBase = f == null ? null : f.backingPath();
            String newFormat = f == null ? null : f.backingFormat();
            if (holder != null) {
                ctx.reporter().say("  " + d.vdev() + ": block-stream " + frozen + " into " + above);
                ctx.driver().streamLayer(holder.getKey(), holder.getValue(), above, frozen, newBase);
            } else {
                ImageWriteGuard.check(actual, above, null, "rebase");
                ctx.reporter().say("  " + d.vdev() + ": qemu-img rebase " + above + " past " + frozen);
                ctx.qemuImg().rebase(above, newBase == null ? null : newBase.toString(), newFormat, false);
            }
        }
        ctx.journal().step(c, ctx.driver().name(), Step.MERGED + " " + d.vdev(), null);
    }

    /** Whether an interrupted run of {@code c} journalled the end of {@code d}'s merge. */
    private boolean journalledMerged(Change c, DiskChange d) {
        return ctx.journal().interrupted().stream().filter(i -> i.address().equals(c.address()))
                .anyMatch(i -> i.began(Step.MERGED + " " + d.vdev()));
    }

    /**
     * Whether the merge of {@code d} has happened: commit — a domain's chain runs through the frozen file and
     * the layer above is in no chain and backs nothing (a live commit ended; an offline one cannot be told
     * from one that never ran, and is simply run again: it copies the same data); stream — the layer above
     * no longer has the frozen file as its backing file.
     */
    static boolean mergeDone(Actual actual, DiskChange d) {
        ImageGraph graph = new ImageGraph(actual);
        if (d.merge() == DiskChange.Merge.COMMIT) {
            return !graph.holders(d.image()).isEmpty() && graph.holders(d.layer()).isEmpty()
                    && graph.usersOf(d.layer()).isEmpty();
        }
        ImageInfo above = graph.image(d.layer());
        return above != null && !d.image().equals(above.backingPath());
    }

    private static ImageInfo image(Actual actual, Path p) {
        return actual.images().stream().filter(i -> i.path().equals(p)).findFirst().orElse(null);
    }

    /** The running domain whose disk has {@code path} as its active (top) file. */
    private static Map.Entry<DomainInfo, DiskInfo> topHolder(Actual actual, Path path) {
        for (DomainInfo dom : actual.domains()) {
            for (DiskInfo disk : dom.disks()) {
                if (disk.path().equals(path) && dom.state().active()) {
                    return Map.entry(dom, disk);
                }
            }
        }
        return null;
    }

    /** The running domain whose disk chain contains {@code path}. */
    private static Map.Entry<DomainInfo, DiskInfo> chainHolder(Actual actual, Path path) {
        return new ImageGraph(actual).holders(path).stream().filter(e -> e.getKey().state().active()).findFirst()
                .orElse(null);
    }
}
