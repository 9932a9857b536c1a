package io.xsnap.plan;

import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;

/**
 * One step of a change as its planner decided it: what apply will do, with the values it does it with, and no
 * words. {@link StepText} turns a step into the line a plan shows (the {@code steps} of a {@link Change}).
 * The records are grouped by the change that has them; a step shared by several changes is listed once.
 */
public sealed interface Step {

    // ------------------------------------------------------------ create and revert

    /** A new qcow2 layer over {@code base} (of {@code format}): an external cut's overlay, a revert's new top. */
    record NewLayer(Path base, String format, Path layer) implements Step {
    }

    /** The domain is paused; {@code why} (or null) says what for. */
    record Pause(String domain, String why) implements Step {
    }

    /** How a create saves the guest's memory. */
    enum SaveHow {
        /** After a pause of its own. */
        PAUSED_FIRST,
        /** The domain was paused before the change. */
        PAUSED_ALREADY,
        /** {@code xl save -p}: the guest suspends itself at the start of the save. */
        XL_SAVE,
        /** QEMU background snapshot (pre-copy where QEMU refuses it): the disks are cut in the same pause. */
        LIVE
    }

    /** The guest's memory saved to {@code file}. */
    record SaveMemory(String domain, Path file, SaveHow how) implements Step {
    }

    /** A raw disk QEMU does not serve copied with {@code cp --reflink=always} while the domain is paused. */
    record Copy(Path from, Path to) implements Step {
    }

    /** One disk's part of the QMP transaction. */
    sealed interface Cut {
    }

    /** An internal snapshot {@code tag} taken in {@code image}. */
    record InternalCut(String vdev, String tag, Path image) implements Cut {
    }

    /** {@code image} frozen, {@code overlay} the new active layer. */
    record ExternalCut(String vdev, Path image, Path overlay) implements Cut {
    }

    /** Every disk cut at one instant, in one QMP transaction. */
    record CutDisks(List<Cut> cuts) implements Step {
        public CutDisks {
            cuts = List.copyOf(cuts);
        }
    }

    /** The domain runs again. */
    record Resume(String domain) implements Step {
    }

    /** The snapshot's manifest is written (last: it makes the snapshot complete). */
    record WriteManifest(Path file) implements Step {
    }

    /** A revert stops the domain; its current state is discarded. */
    record Stop(String domain) implements Step {
    }

    /** An internal snapshot applied in place ({@code qemu-img snapshot -a}). */
    record ApplyTag(String tag, Path image) implements Step {
    }

    /** The domain started from the saved memory {@code memory}. */
    record Start(String domain, Path memory) implements Step {
    }

    /** A disk-only revert boots the guest from the reverted disks. */
    record ColdStart(String domain) implements Step {
    }

    /** The run state a revert leaves the domain in. */
    record Leave(String domain, RunState state) implements Step {
    }

    // ------------------------------------------------------------ clone and delete-clone

    /** An internal snapshot's state copied out of its image once, into a file clones share. */
    record CopyOutTag(String tag, Path image, Path copy) implements Step {
    }

    /** A clone's own disk: a reflink copy of a frozen raw file. */
    record ReflinkCopy(Path from, Path to) implements Step {
    }

    /** How a clone is started: from the source's config with a new name, disks, MAC addresses and UUID. */
    record DeriveStart(String domain, String source) implements Step {
    }

    /** A record of the store (a clone's) is written. */
    record WriteRecord(Path file) implements Step {
    }

    /** A clone started, from the snapshot's memory ({@code memory}), or cold when that is null; left {@code state}. */
    record StartClone(String domain, Path memory, RunState state) implements Step {
    }

    /** A clone that runs is destroyed before its files go. */
    record Destroy(String domain) implements Step {
    }

    /** A clone's overlay on a disk is removed; the file beneath it stays. */
    record RemoveOverlay(String vdev, Path overlay, String base) implements Step {
    }

    /** A domain's directory in the store is removed once nothing else is in it. */
    record RemoveDomainDir(Path dir) implements Step {
    }

    // ------------------------------------------------------------ backup

    /** Raw disks copied while the domain is paused briefly. */
    record PauseForCopies(String domain, List<String> vdevs) implements Step {
        public PauseForCopies {
            vdevs = List.copyOf(vdevs);
        }
    }

    /** {@code image} frozen, {@code layer} a temporary active layer merged back at the end. */
    record TemporaryCut(String vdev, Path image, Path layer) implements Cut {
    }

    /** A backup's cut of every disk in one transaction; {@code paused}: raw disks are copied in the same pause. */
    record BackupCut(List<Cut> cuts, boolean paused) implements Step {
        public BackupCut {
            cuts = List.copyOf(cuts);
        }
    }

    /** The manifest of the snapshot a backup takes for the time of its export. */
    record WriteTemporaryManifest(Path file) implements Step {
    }

    /** One disk's frozen state exported as a standalone file. */
    record Export(Path from, Path to, String format, boolean compress) implements Step {
    }

    /** The backup's own manifest, with the checksum of each exported file. */
    record WriteBackupManifest(Path file) implements Step {
    }

    /** The temporary snapshot deleted: its layers committed back ({@code commits}), its copies removed ({@code copies}). */
    record DeleteTemporary(SnapshotRef snapshot, boolean commits, boolean copies) implements Step {
    }

    // ------------------------------------------------------------ delete

    /** The copy of an internal snapshot's state made for clones is removed: no clone uses it now. */
    record RemoveFrozenCopy(String vdev, Path copy) implements Step {
    }

    /** The snapshot's memory file, outside the store where its cfgfile's memory_path put it, is removed with it. */
    record RemoveOutsideMemory(Path file) implements Step {
    }

    /** The internal snapshot is gone from its image already: nothing to delete there. */
    record TagGone(String vdev, String tag, Path image) implements Step {
    }

    /** An internal snapshot deleted from its image. */
    record DeleteTag(String tag, Path image) implements Step {
    }

    /** A layer of the store that only held this snapshot's tag is removed with it. */
    record RemoveTagLayer(String vdev, Path image, String tag) implements Step {
    }

    /** The frozen file of an external snapshot is gone already. */
    record FrozenGone(String vdev, Path frozen) implements Step {
    }

    /** The frozen file backs nothing any more and is removed. */
    record Unused(String vdev, Path frozen) implements Step {
    }

    /** Why a frozen file stays where it is when its snapshot is deleted. */
    sealed interface KeepWhy {
    }

    /** Not in the store: xsnap removes no file outside it. */
    record NotInStore() implements KeepWhy {
    }

    /** Other snapshots name it as their frozen file. */
    record NamedByOthers(List<String> snapshots) implements KeepWhy {
    }

    /** It is the backing file of several images. */
    record BacksImages(List<Path> images) implements KeepWhy {
    }

    /** It holds internal snapshots (ours or made by hand). */
    record HoldsTags(List<String> tags) implements KeepWhy {
    }

    /** The layer above it is shared by several chains. */
    record SharedAbove(Path above) implements KeepWhy {
    }

    /** The layer above it holds internal snapshots that a commit would remove and a stream would change. */
    record AboveHoldsTags(Path above, List<String> tags) implements KeepWhy {
    }

    /** Neither it nor the layer above is the store's. */
    record AboveMustStay(Path above) implements KeepWhy {
    }

    /** The frozen file stays where it is. */
    record Keep(String vdev, Path frozen, KeepWhy why) implements Step {
    }

    /** What a merge copies, and what the other way would have copied (both measured), in bytes. */
    record Costs(long copies, long otherWay) {
    }

    /** The layer above merged down into the frozen file; {@code live}: a block job of the running domain. */
    record Commit(Path above, Path frozen, boolean live, Costs costs) implements Step {
    }

    /**
     * The frozen file's data copied up into the layer above; {@code frozenStays}: the frozen file is kept, backing
     * nothing, for the internal snapshots in it.
     */
    record Stream(Path frozen, Path above, boolean live, Costs costs, boolean frozenStays) implements Step {
    }
}
