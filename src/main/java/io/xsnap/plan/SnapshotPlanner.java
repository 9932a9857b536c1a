package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.DiskMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The create and the revert of one named snapshot: the checks that refuse it, what happens to each disk, and the
 * steps apply runs. Deleting one is {@link DeletePlanner}'s. Pure, like {@link Planner}.
 */
final class SnapshotPlanner {
    private final PlanSession s;

    SnapshotPlanner(PlanSession s) {
        this.s = s;
    }

    // ---------------------------------------------------------------- create

    /** The create of snapshot {@code name} of {@code domain}, or null with the errors in the session's findings. */
    Change.Create create(DomainInfo domain, String name, boolean memory, boolean live, Map<String, DiskMode> modes,
                  String reason) {
        String dn = domain.name();
        if (s.damaged(dn, name)) {
            return null;
        }
        int errors = s.errorCount();
        if (refusesCreate(domain, name, memory, live)) {
            return null;
        }
        Set<String> vdevs = new HashSet<>();
        domain.disks().forEach(d -> vdevs.add(d.vdev()));
        for (String vdev : modes.keySet()) {
            if (!vdevs.contains(vdev)) {
                s.error(dn, name, dn + " has no disk " + vdev + " (it has " + String.join(", ", new java.util.TreeSet<>(vdevs))
                        + ")", "fix the disks: map of snapshot " + name);
            }
        }
        Cuts cuts = new Cuts();
        for (DiskInfo disk : PlanSession.sortedDisks(domain)) {
            cutDisk(cuts, dn, name, disk, modes.getOrDefault(disk.vdev(), DiskMode.AUTO));
        }
        if (s.errorCount() > errors) {
            return null;
        }
        if (!memory && cuts.cuts.isEmpty() && cuts.copies.isEmpty()) {
            s.error(dn, name, "snapshot " + name + " of " + dn + " would hold nothing: no memory and every disk excluded",
                    "include a disk or set memory: true");
            return null;
        }
        boolean running = domain.state() == RunState.RUNNING;
        boolean pauseForCopies = !cuts.copies.isEmpty() && running && !memory;
        List<Step> steps = createSteps(domain, name, memory, live, cuts, pauseForCopies);
        if (memory) {
            cuts.touches.add(0, memoryFile(dn, name) + " (guest memory, mode 0600" + (s.memoryFile != null
                    ? "; outside the store, removed with the snapshot)" : ")"));
        }
        Impact impact = memory || pauseForCopies ? Impact.DISRUPTIVE : Impact.SAFE;
        String why = reason + (memory && !live && running ? "; pauses " + dn + " while memory is saved"
                : pauseForCopies ? "; pauses " + dn + " while its raw disks are copied" : "");
        return new Change.Create(new SnapshotRef(dn, name), impact, why, memory, memory && live, domain.state(),
                cuts.disks, cuts.touches, StepText.lines(steps), null, memory ? s.memoryFile : null);
    }

    /** The checks on the domain as a whole; true (with an error) when no snapshot of it can be taken now. */
    private boolean refusesCreate(DomainInfo domain, String name, boolean memory, boolean live) {
        String dn = domain.name();
        if (!domain.state().active()) {
            s.error(dn, name, dn + " is " + domain.state().word() + "; a snapshot needs a running or paused domain",
                    null);
            return true;
        }
        if (memory && live && !s.can().liveMemorySave()) {
            // docs/xen-lab.md "Live memory snapshots on xl": the one live save libxl has is xl migrate's pre-copy,
            // which needs log-dirty mode; Debian's Xen 4.17 cannot give a PV guest that (no shadow paging)
            s.error(dn, name, "xl save has no live mode, and the live save of xl migrate needs Xen's log-dirty mode, "
                    + "which a PV guest only gets from a hypervisor built with shadow paging (Debian's Xen 4.17 is "
                    + "built without it: xl migrate fails \"Failed to enable logdirty\"); xsnap does not offer it: "
                    + "the memory of " + dn + " can only be saved with the domain suspended",
                    "take the snapshot without --live / live: true (xl save -p suspends " + dn
                    + " while its memory is written)");
            return true;
        }
        if (memory && !s.can().savesPausedDomain() && domain.state() == RunState.PAUSED) {
            // real Xen 4.17: a PV guest suspends cooperatively, so xl save of a paused one waits ~60 s and fails
            s.error(dn, name, dn + " is paused: xl save needs the guest running to acknowledge its suspend (Xen fails "
                    + "the save of a paused domain after a minute, \"guest didn't acknowledge suspend\")",
                    "unpause it first (xl unpause " + dn + "), or take a disk-only snapshot (--disk-only / memory: false)");
            return true;
        }
        return false;
    }

    /** What a create does to its disks, gathered disk by disk in vdev order. */
    private static final class Cuts {
        final List<DiskChange> disks = new ArrayList<>();
        final List<String> touches = new ArrayList<>();
        /** The QMP transaction's actions. */
        final List<Step.Cut> cuts = new ArrayList<>();
        /** The reflink copies of raw disks QEMU does not serve. */
        final List<Step.Copy> copies = new ArrayList<>();
        final Set<String> copied = new HashSet<>();
    }

    /** One disk of a create: excluded, copied (raw on blkback), cut internally or cut externally; or an error. */
    private void cutDisk(Cuts out, String dn, String name, DiskInfo disk, DiskMode asked) {
        DiskMode mode = disk.readOnly() && asked == DiskMode.AUTO ? DiskMode.EXCLUDE : asked.resolve(disk.format());
        String where = dn + " disk " + disk.vdev() + " (" + disk.path() + ")";
        if (mode == DiskMode.EXCLUDE) {
            out.disks.add(new DiskChange(disk.vdev(), CutMode.EXCLUDED, disk.format(), disk.path(), null, null, null));
        } else if (disk.readOnly()) {
            s.error(dn, name, where + " is read-only; it cannot be snapshotted", "set " + disk.vdev() + ": exclude");
        } else if (disk.node() == null) {
            copyDisk(out, dn, name, disk, mode, where);
        } else if (mode == DiskMode.INTERNAL) {
            if (!"qcow2".equals(disk.format())) {
                s.error(dn, name, where + " is " + disk.format() + "; only qcow2 holds internal snapshots",
                        "set " + disk.vdev() + ": external (or auto)");
                return;
            }
            ImageInfo img = s.index.image(disk.path());
            if (img != null && img.hasSnapshot(name)) {
                s.error(dn, name, where + " already holds an internal snapshot named '" + name
                        + "' that xsnap did not make", "choose another snapshot name");
                return;
            }
            out.disks.add(new DiskChange(disk.vdev(), CutMode.INTERNAL, disk.format(), disk.path(), name, null, null));
            out.touches.add(disk.path() + " (internal snapshot '" + name + "')");
            out.cuts.add(new Step.InternalCut(disk.vdev(), name, disk.path()));
        } else {
            Path overlay = s.chosen(dn, disk.vdev(), "qcow2");
            out.disks.add(new DiskChange(disk.vdev(), CutMode.EXTERNAL, disk.format(), disk.path(), null, overlay, null));
            out.touches.add(overlay + " (new active layer; " + disk.path() + " is frozen)");
            out.cuts.add(new Step.ExternalCut(disk.vdev(), disk.path(), overlay));
        }
    }

    /** A disk not served by QEMU (xl: a raw disk on the kernel's blkback): only a copy taken while paused cuts it. */
    private void copyDisk(Cuts out, String dn, String name, DiskInfo disk, DiskMode mode, String where) {
        if (!disk.reflink()) {
            s.error(dn, name, where + " is not served by a QEMU xsnap can reach (a raw disk on blkback, or a "
                    + "stub-domain device model), and it cannot be copied cheaply into the store (cp --reflink "
                    + "needs the disk and " + s.layout.root() + " on one btrfs or xfs filesystem)",
                    "exclude it (" + disk.vdev() + ": exclude), or convert it to qcow2 (qemu-img convert -O qcow2) "
                    + "and point the domain's config at the new file so Xen's QEMU serves it");
            return;
        }
        if (mode == DiskMode.INTERNAL) {
            s.error(dn, name, where + " is copied, not served by QEMU; it cannot hold an internal snapshot",
                    "set " + disk.vdev() + ": external (or auto)");
            return;
        }
        Path copy = s.chosen(dn, disk.vdev(), disk.format());
        out.disks.add(new DiskChange(disk.vdev(), CutMode.REFLINK_COPY, disk.format(), disk.path(), null, copy, null));
        out.touches.add(copy + " (reflink copy of " + disk.path() + ", taken while " + dn + " is paused; frozen)");
        out.copies.add(new Step.Copy(disk.path(), copy));
        out.copied.add(disk.vdev());
    }

    /** The steps of a create, in the order apply runs them. */
    private List<Step> createSteps(DomainInfo domain, String name, boolean memory, boolean live, Cuts cuts,
                                   boolean pauseForCopies) {
        String dn = domain.name();
        List<Step> steps = new ArrayList<>();
        boolean running = domain.state() == RunState.RUNNING;
        for (DiskChange d : cuts.disks) {
            if (d.layer() != null && !cuts.copied.contains(d.vdev())) {
                steps.add(new Step.NewLayer(d.image(), d.format(), d.layer()));
            }
        }
        if (pauseForCopies) {
            steps.add(new Step.Pause(dn, "raw disks are copied while it is paused"));
        }
        if (memory) {
            Path file = memoryFile(dn, name);
            if (live && running) {
                steps.add(new Step.SaveMemory(dn, file, Step.SaveHow.LIVE));
            } else if (live) {
                steps.add(new Step.SaveMemory(dn, file, Step.SaveHow.PAUSED_ALREADY));
            } else if (s.can().saveSuspendsGuest()) {
                // xl save -p suspends the running guest itself at its start and leaves it paused: no pause before it
                steps.add(new Step.SaveMemory(dn, file, Step.SaveHow.XL_SAVE));
            } else {
                if (running) {
                    steps.add(new Step.Pause(dn, null));
                }
                steps.add(new Step.SaveMemory(dn, file, Step.SaveHow.PAUSED_FIRST));
            }
        }
        steps.addAll(cuts.copies);
        if (!cuts.cuts.isEmpty()) {
            steps.add(new Step.CutDisks(cuts.cuts));
        }
        if (running && (memory || pauseForCopies)) {
            steps.add(new Step.Resume(dn));
        }
        steps.add(new Step.WriteManifest(s.layout.snapshotDir(dn, name).resolve(StoreLayout.MANIFEST)));
        return steps;
    }

    // ---------------------------------------------------------------- revert

    /**
     * The revert to {@code stored}, or null with the errors in the session's findings.
     *
     * @param runAfter running, paused, or null for the state the snapshot was taken in
     * @param force    allow losing the domain's current state
     */
    Change.Revert revert(StoredSnapshot stored, RunState runAfter, boolean force, String reason) {
        Manifest m = stored.manifest();
        String dn = m.domain();
        DomainInfo domain = s.index.domain(dn);
        int errors = s.errorCount();
        checkRevert(stored, domain, force);
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<Step> diskSteps = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        for (Manifest.Disk d : m.disks()) {
            DiskInfo current = domain == null ? null : domain.disk(d.vdev());
            switch (d.cut()) {
                case INTERNAL -> revertInternal(m, d, disks, touches, diskSteps);
                case EXTERNAL, REFLINK_COPY -> {
                    Path frozen = Path.of(d.frozen());
                    if (s.index.image(frozen) == null) {
                        s.error(dn, m.name(), d.vdev() + ": frozen file " + frozen + " is missing", null);
                        continue;
                    }
                    Path layer = s.nextLayer(dn, d.vdev());
                    disks.add(new DiskChange(d.vdev(), CutMode.EXTERNAL, d.format(), frozen, null, layer, null));
                    if (current != null && discardable(current.path(), self(m))) {
                        removes.add(current.path());
                        touches.add(current.path() + " (deleted: the discarded current state)");
                    }
                    touches.add(layer + " (new active layer on " + frozen + ")");
                    diskSteps.add(new Step.NewLayer(frozen, d.format(), layer));
                }
                default -> disks.add(new DiskChange(d.vdev(), CutMode.EXCLUDED, d.format(),
                        current == null ? null : current.path(), null, null, null));
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        RunState after = runAfter != null ? runAfter : m.memory() == null ? RunState.RUNNING : RunState.of(m.state());
        List<Step> steps = new ArrayList<>();
        if (domain != null && domain.state().active()) {
            steps.add(new Step.Stop(dn));
        }
        steps.addAll(diskSteps);
        steps.add(m.memory() != null ? new Step.Start(dn, s.layout.snapshotDir(dn, m.name()).resolve(m.memory().file()))
                : new Step.ColdStart(dn));
        steps.add(new Step.Leave(dn, after));
        return new Change.Revert(new SnapshotRef(dn, m.name()), reason, m.memory() != null, after, disks, touches,
                removes, StepText.lines(steps), null);
    }

    /** The checks on the snapshot and the domain as a whole; each failure is an error in the findings. */
    private void checkRevert(StoredSnapshot stored, DomainInfo domain, boolean force) {
        Manifest m = stored.manifest();
        String dn = m.domain();
        if (m.memory() != null && stored.memorySize() != m.memory().size()) {
            s.error(dn, m.name(), "memory file of " + dn + "/" + m.name() + " is "
                    + (stored.memorySize() < 0 ? "missing" : stored.memorySize() + " bytes, not " + m.memory().size()),
                    "this snapshot cannot be reverted to; delete it");
        }
        if (domain != null && domain.state().active() && !force) {
            s.error(Finding.Code.NEEDS_FORCE, dn, m.name(), dn + " is " + domain.state().word() + "; reverting loses its current memory and every "
                    + "disk write since it was last snapshotted", "add --force (Ansible: force: true) to revert anyway, or take a snapshot first");
        }
        if (domain != null && !domain.state().active() && domain.state() != RunState.SHUTOFF) {
            s.error(dn, m.name(), dn + " is " + domain.state().word() + "; revert needs it running, paused or off", null);
        }
        if (m.restart() == null || m.restart().argv().isEmpty() && m.restart().xlConfig() == null) {
            s.error(dn, m.name(), "snapshot " + dn + "/" + m.name() + " does not record how to start " + dn, null);
        }
    }

    /** An internal disk of a revert: its tag applied in place, unless the image now backs other images. */
    private void revertInternal(Manifest m, Manifest.Disk d, List<DiskChange> disks, List<String> touches,
                                List<Step> diskSteps) {
        Path image = Path.of(d.image());
        ImageInfo img = s.index.image(image);
        if (img == null || !img.hasSnapshot(d.tag())) {
            s.error(m.domain(), m.name(), d.vdev() + ": internal snapshot '" + d.tag() + "' is gone from " + image, null);
            return;
        }
        List<Path> users = s.index.usersOf(image);
        if (!users.isEmpty()) {
            s.error(m.domain(), m.name(), d.vdev() + ": " + image + " holds '" + d.tag() + "' but is now the backing file of "
                    + PlanSession.joinPaths(users) + "; applying it would change their data",
                    "revert to the external snapshot taken after it, or delete that one first");
            return;
        }
        disks.add(new DiskChange(d.vdev(), CutMode.INTERNAL, d.format(), image, d.tag(), null, null));
        touches.add(image + " (internal snapshot '" + d.tag() + "' applied; current data discarded)");
        diskSteps.add(new Step.ApplyTag(d.tag(), image));
    }

    /** Where a create saves memory: the imperative create's file outside the store, else memory.save in it. */
    private Path memoryFile(String domain, String name) {
        return s.memoryFile != null ? s.memoryFile : s.layout.memory(domain, name);
    }

    private static String self(Manifest m) {
        return m.domain() + "/" + m.name();
    }

    /** A current top layer a revert may throw away: the store's, named by no manifest, backing nothing. */
    private boolean discardable(Path top, String self) {
        return s.layout.contains(top) && s.index.namedByOthers(top, self).isEmpty() && s.index.usersOf(top).isEmpty()
                && s.index.namedByOthers(top, "").isEmpty();
    }
}
