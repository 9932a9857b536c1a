package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.StoreLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The plan of a backup: one disk-only snapshot cutting every disk externally at one instant (no pause; a raw disk
 * QEMU does not serve is cut by a reflink copy while the domain is paused briefly), the frozen state exported, then
 * the snapshot deleted by merging back (the copies are removed). Pure, like {@link Planner}.
 */
final class BackupPlanner {
    private final StoreLayout layout;
    private final Instant now;

    BackupPlanner(StoreLayout layout, Instant now) {
        this.layout = layout;
        this.now = now;
    }

    /** What the backup does, gathered disk by disk. */
    private static final class Parts {
        final List<DiskChange> disks = new ArrayList<>();
        final List<String> touches = new ArrayList<>();
        final List<Step.Cut> cuts = new ArrayList<>();
        /** The vdevs of the raw disks copied. */
        final List<String> copies = new ArrayList<>();
        final List<Step> exports = new ArrayList<>();
        final List<Finding> findings = new ArrayList<>();
    }

    Plan backup(Actual actual, String domainName, String name, Change.Export export) {
        HostIndex index = new HostIndex(actual, layout);
        DomainInfo domain = index.domain(domainName);
        String refused = domain == null ? "domain " + domainName + " does not exist on this host (driver "
                + actual.driver() + ")"
                : !domain.state().active() ? domainName + " is " + domain.state().word()
                + "; a backup needs a running or paused domain" : null;
        if (refused != null) {
            return plan(actual, List.of(), List.of(err(domainName, null, refused, null)));
        }
        if (index.snapshot(domainName, name) != null) {
            return plan(actual, List.of(), List.of(err(domainName, name, "snapshot " + domainName + "/" + name
                    + " already exists", null)));
        }
        Parts parts = new Parts();
        for (DiskInfo disk : domain.disks().stream().sorted(Comparator.comparing(DiskInfo::vdev)).toList()) {
            cutDisk(index, domainName, name, disk, export, parts);
        }
        if (parts.cuts.isEmpty() && parts.copies.isEmpty() && parts.findings.isEmpty()) {
            parts.findings.add(err(domainName, name, domainName + " has no disk to back up", null));
        }
        if (!parts.findings.isEmpty()) {
            return plan(actual, List.of(), parts.findings);
        }
        Path manifest = export.dir().resolve(ClonePlanner.BACKUP_MANIFEST);
        parts.touches.add(manifest + " (domain, time, disks, sizes, sha256)");
        boolean pause = !parts.copies.isEmpty() && domain.state() == RunState.RUNNING;
        List<Step> steps = steps(new SnapshotRef(domainName, name), parts, pause, manifest);
        Change c = new Change.Backup(new SnapshotRef(domainName, name), pause ? Impact.DISRUPTIVE : Impact.SAFE,
                "requested on the command line" + (pause ? "; pauses " + domainName + " briefly while raw disk "
                + String.join(", ", parts.copies) + " is copied" : ""), domain.state(), parts.disks, parts.touches,
                StepText.lines(steps), export);
        return plan(actual, List.of(c), parts.findings);
    }

    /** One disk: excluded (read-only), cut onto a temporary layer, copied (raw on blkback), or an error. */
    private void cutDisk(HostIndex index, String domainName, String name, DiskInfo disk, Change.Export export,
                         Parts parts) {
        if (disk.readOnly()) {
            parts.disks.add(new DiskChange(disk.vdev(), CutMode.EXCLUDED, disk.format(), disk.path(), null, null, null));
            return;
        }
        Path out = export.dir().resolve(disk.vdev() + "." + export.format());
        Path frozen;
        if (disk.node() != null) {
            Path overlay = nextLayer(index, domainName, disk.vdev(), "qcow2");
            parts.disks.add(new DiskChange(disk.vdev(), CutMode.EXTERNAL, disk.format(), disk.path(), null, overlay, null));
            parts.touches.add(overlay + " (temporary active layer; merged back and removed at the end)");
            parts.cuts.add(new Step.TemporaryCut(disk.vdev(), disk.path(), overlay));
            frozen = disk.path();
        } else if (disk.reflink()) {
            // not served by QEMU (xl: raw on blkback): a reflink copy taken while the domain is paused is the cut
            Path copy = nextLayer(index, domainName, disk.vdev(), "raw");
            parts.disks.add(new DiskChange(disk.vdev(), CutMode.REFLINK_COPY, disk.format(), disk.path(), null, copy, null));
            parts.touches.add(copy + " (temporary reflink copy of " + disk.path() + ", taken while " + domainName
                    + " is paused; removed at the end)");
            parts.copies.add(disk.vdev());
            frozen = copy;
        } else {
            parts.findings.add(err(domainName, name, domainName + " disk " + disk.vdev() + " (" + disk.path() + ") is not "
                    + "served by a QEMU xsnap can reach (a raw disk on blkback, or a stub-domain device model), and it "
                    + "cannot be copied cheaply into the store (cp --reflink needs the disk and " + layout.root()
                    + " on one btrfs or xfs filesystem); a backup cuts every disk at one instant",
                    "convert it to qcow2 (qemu-img convert -O qcow2) and point the domain's config at the new file so "
                    + "Xen's QEMU serves it, or keep the store on the disk's reflink-capable filesystem"));
            return;
        }
        parts.touches.add(out + " (the exported state of " + disk.vdev() + ")");
        parts.exports.add(new Step.Export(frozen, out, export.format(), export.compress()));
    }

    /** The steps of a backup, in the order apply runs them. */
    private List<Step> steps(SnapshotRef ref, Parts parts, boolean pause, Path manifest) {
        List<Step> steps = new ArrayList<>();
        parts.disks.stream().filter(d -> d.layer() != null && !d.reflinkCopy())
                .forEach(d -> steps.add(new Step.NewLayer(d.image(), d.format(), d.layer())));
        if (pause) {
            steps.add(new Step.PauseForCopies(ref.domain(), parts.copies));
        }
        parts.disks.stream().filter(DiskChange::reflinkCopy).forEach(d -> steps.add(new Step.Copy(d.image(), d.layer())));
        if (!parts.cuts.isEmpty()) {
            steps.add(new Step.BackupCut(parts.cuts, pause));
        }
        if (pause) {
            steps.add(new Step.Resume(ref.domain()));
        }
        steps.add(new Step.WriteTemporaryManifest(layout.manifest(ref.domain(), ref.snapshot())));
        steps.addAll(parts.exports);
        steps.add(new Step.WriteBackupManifest(manifest));
        steps.add(new Step.DeleteTemporary(ref, !parts.cuts.isEmpty(), !parts.copies.isEmpty()));
        return steps;
    }

    private Path nextLayer(HostIndex index, String domain, String vdev, String extension) {
        for (int n = 1; ; n++) {
            Path p = layout.layersDir(domain).resolve(vdev + "." + n + "." + extension);
            if (index.image(p) == null) {
                return p;
            }
        }
    }

    private Plan plan(Actual actual, List<Change> changes, List<Finding> findings) {
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), changes, findings);
    }

    private static Finding err(String domain, String snapshot, String message, String fix) {
        return new Finding(Finding.Kind.ERROR, domain, snapshot, message, fix);
    }
}
