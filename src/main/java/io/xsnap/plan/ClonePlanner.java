package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The plans of clones: a clone is a new domain on new overlays over a snapshot's frozen files (an internal
 * snapshot's state is first copied out once, and shared by later clones); deleting a clone removes its own overlays
 * only. Backups, which cut every disk at one instant, export the frozen state and merge back, are
 * {@link BackupPlanner}'s. Pure, like {@link Planner}.
 */
public final class ClonePlanner {
    private final StoreLayout layout;
    private final Instant now;

    public ClonePlanner(StoreLayout layout, Instant now) {
        this.layout = layout;
        this.now = now;
    }

    /**
     * @param start how the clone is left: running, paused, or shutoff (made, not started)
     */
    public Plan clone(Actual actual, String sourceDomain, String snapshot, String name, RunState start) {
        HostIndex index = new HostIndex(actual, layout);
        List<Finding> findings = new ArrayList<>();
        StoredSnapshot stored = index.snapshot(sourceDomain, snapshot);
        if (stored == null) {
            return error(actual, findings, sourceDomain, snapshot, "snapshot " + sourceDomain + "/" + snapshot
                    + " does not exist in the store " + layout.root(), "xsnap list " + sourceDomain);
        }
        Manifest m = stored.manifest();
        if (m.restart() == null || m.restart().argv().isEmpty() && m.restart().xlConfigText() == null
                && m.restart().xlConfig() == null) {
            findings.add(err(sourceDomain, snapshot, "snapshot " + sourceDomain + "/" + snapshot
                    + " does not record how " + sourceDomain + " was started, so a clone cannot be started", null));
        }
        if (actual.capabilities().startsFromConfigFile() && m.restart() != null && m.restart().xlConfigText() == null) {
            findings.add(err(sourceDomain, snapshot, "snapshot " + sourceDomain + "/" + snapshot + " was taken without "
                    + sourceDomain + "'s xl config file, from which a clone's config is derived",
                    "take a snapshot with --xl-config FILE (or xlConfig: in the spec) and clone that one"));
        }
        if (m.memory() != null && start != RunState.SHUTOFF && stored.memorySize() != m.memory().size()) {
            findings.add(err(sourceDomain, snapshot, "the memory file of " + sourceDomain + "/" + snapshot + " is "
                    + (stored.memorySize() < 0 ? "missing" : "damaged"), null));
        }
        Change c = clone(index, findings, new SnapshotRef(sourceDomain, snapshot), m.disks(), m.memory() == null ? null
                : layout.snapshotDir(sourceDomain, snapshot).resolve(m.memory().file()), name, start);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), c == null ? List.of() : List.of(c), findings);
    }

    /**
     * A clone of a snapshot that a create earlier in the same plan makes: its disks as that create will record
     * them (an external disk's frozen file is the file active now; an internal one's tag is in its image).
     */
    Change.Clone cloneOfPlanned(HostIndex index, List<Finding> findings, Change.Create create, String name,
                                RunState start) {
        List<Manifest.Disk> disks = new ArrayList<>();
        for (DiskChange d : create.disks()) {
            boolean external = d.mode().external();
            // a raw disk's reflink copy is itself the frozen file, with no overlay on the disk (as Creator records it)
            String frozen = !external ? null : d.reflinkCopy() ? d.layer().toString() : d.image().toString();
            String overlay = !external || d.reflinkCopy() ? null : d.layer().toString();
            disks.add(new Manifest.Disk(d.vdev(), d.mode().word(), d.format(), d.image().toString(), d.tag(), frozen, overlay));
        }
        return clone(index, findings, create.ref(), disks, !create.memory() ? null
                : create.memoryFile() != null ? create.memoryFile() : layout.memory(create.domain(), create.snapshot()),
                name, start);
    }

    /** The clone change, or null with errors added to {@code findings}. */
    private Change.Clone clone(HostIndex index, List<Finding> findings, SnapshotRef source,
                               List<Manifest.Disk> sourceDisks, Path memoryFile, String name, RunState start) {
        String sourceDomain = source.domain();
        String snapshot = source.snapshot();
        if (index.domain(name) != null) {
            findings.add(err(name, null, "a domain named " + name + " already exists", "choose another name for the clone"));
            return null;
        }
        if (index.cloneOf(name) != null || index.hasSnapshots(name)) {
            findings.add(err(name, null, "the store already holds " + layout.domainDir(name) + " (a clone or snapshots"
                    + " of a domain named " + name + ")", "choose another name, or xsnap delete-clone " + name));
            return null;
        }
        boolean memory = memoryFile != null && start != RunState.SHUTOFF;
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        for (Manifest.Disk d : sourceDisks) {
            cloneDisk(index, findings, source, name, d, disks, touches, steps);
        }
        if (findings.stream().anyMatch(f -> f.kind() == Finding.Kind.ERROR)) {
            return null;
        }
        for (DiskChange d : disks) {
            Path base = base(sourceDomain, snapshot, d);
            if (d.reflinkCopy()) {
                touches.add(d.layer() + " (" + name + "'s own reflink copy of " + base + ", which stays frozen)");
                steps.add(new Step.ReflinkCopy(base, d.layer()));
                continue;
            }
            touches.add(d.layer() + " (" + name + "'s own overlay on " + base + ", which stays frozen)");
            steps.add(new Step.NewLayer(base, d.mode() == CutMode.INTERNAL ? "qcow2" : d.format(), d.layer()));
        }
        touches.add(layout.cloneRecord(name) + " (the clone's record: source, overlays, how to start it)");
        steps.add(new Step.DeriveStart(name, sourceDomain));
        steps.add(new Step.WriteRecord(layout.cloneRecord(name)));
        if (start != RunState.SHUTOFF) {
            steps.add(new Step.StartClone(name, memory ? memoryFile : null, start));
        }
        return new Change.Clone(name, source, "requested on the command line", memory, start, disks, touches,
                StepText.lines(steps));
    }

    /** One disk of the source snapshot: the clone's overlay goes on its frozen state; an excluded disk is an error. */
    private void cloneDisk(HostIndex index, List<Finding> findings, SnapshotRef source, String name, Manifest.Disk d,
                           List<DiskChange> disks, List<String> touches, List<Step> steps) {
        String sourceDomain = source.domain();
        String snapshot = source.snapshot();
        Path overlay = layout.layersDir(name).resolve(d.vdev() + ".1." + (d.reflinkCopy() ? "raw" : "qcow2"));
        switch (d.cut()) {
            case EXTERNAL, REFLINK_COPY -> {
                Path frozen = Path.of(d.frozen());
                if (index.image(frozen) == null) {
                    findings.add(err(sourceDomain, snapshot, d.vdev() + ": frozen file " + frozen + " is missing", null));
                    return;
                }
                disks.add(new DiskChange(d.vdev(), d.cut(), d.format(), frozen, null, overlay, null));
            }
            case INTERNAL -> {
                Path image = Path.of(d.image());
                ImageInfo img = index.image(image);
                Path copy = layout.frozenCopy(sourceDomain, snapshot, d.vdev());
                if (index.image(copy) == null) {
                    if (img == null || !img.hasSnapshot(d.tag())) {
                        findings.add(err(sourceDomain, snapshot, d.vdev() + ": internal snapshot '" + d.tag()
                                + "' is gone from " + image, null));
                        return;
                    }
                    touches.add(copy + " (frozen copy of internal snapshot '" + d.tag() + "', shared by clones)");
                    steps.add(new Step.CopyOutTag(d.tag(), image, copy));
                }
                disks.add(new DiskChange(d.vdev(), CutMode.INTERNAL, "qcow2", image, d.tag(), overlay, null));
            }
            default -> findings.add(err(sourceDomain, snapshot, d.vdev() + " was excluded from " + sourceDomain
                    + "/" + snapshot + "; a clone would share the source's live disk",
                    "clone a snapshot that includes every disk"));
        }
    }

    /** The file a clone's overlay on this disk backs onto: the frozen file, or the internal snapshot's copy. */
    public Path base(String sourceDomain, String snapshot, DiskChange d) {
        return d.mode() == CutMode.INTERNAL ? layout.frozenCopy(sourceDomain, snapshot, d.vdev()) : d.image();
    }

    /** Destroys a clone and removes its own overlays (nothing beneath them) and its record. */
    public Plan deleteClone(Actual actual, String name) {
        HostIndex index = new HostIndex(actual, layout);
        List<Finding> findings = new ArrayList<>();
        CloneRecord rec = index.cloneOf(name);
        io.xsnap.observe.Damaged damaged = actual.damaged(name, null);
        if (rec == null && damaged != null) {
            findings.add(new Finding(Finding.Code.DAMAGED_RECORD, name, null, "clone " + name + " is not touched: " + damaged.file()
                    + " is damaged: " + damaged.why(), "repair or move away " + damaged.file()
                    + " by hand (see \"A damaged store\" in the README)"));
            return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(), findings);
        }
        if (rec == null) {
            return error(actual, findings, name, null, name + " is not a clone recorded in " + layout.root(),
                    "xsnap list shows the clones");
        }
        List<String> own = actual.snapshots().stream().filter(st -> st.domain().equals(name)).map(StoredSnapshot::name).toList();
        if (!own.isEmpty()) {
            return error(actual, findings, name, null, "clone " + name + " has snapshots of its own: " + String.join(", ", own),
                    "delete them first (xsnap delete " + name + " SNAPSHOT)");
        }
        DomainInfo dom = index.domain(name);
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        if (dom != null && dom.state().active()) {
            steps.add(new Step.Destroy(name));
        }
        for (CloneRecord.Disk d : rec.disks()) {
            Path overlay = Path.of(d.overlay());
            CutMode mode = d.reflinkCopy() ? CutMode.REFLINK_COPY : CutMode.EXTERNAL;
            disks.add(new DiskChange(d.vdev(), mode, d.baseFormat(), Path.of(d.base()), null, overlay, null));
            String refused = ownChain(index, name, dom == null ? null : dom.disk(d.vdev()), overlay, removes);
            if (refused != null) {
                return error(actual, findings, name, null, refused, null);
            }
            steps.add(new Step.RemoveOverlay(d.vdev(), overlay, d.base()));
        }
        removes.add(layout.cloneRecord(name));
        if (actual.capabilities().startsFromConfigFile()) {
            removes.add(layout.xlStartConfig(name));
        }
        // the clone has no snapshots left (checked above), so the marker of its current one names nothing
        removes.add(layout.currentMarker(name));
        removes.forEach(p -> touches.add(p + " (deleted where present)"));
        steps.add(new Step.RemoveDomainDir(layout.domainDir(name)));
        Change c = new Change.DeleteClone(name, new SnapshotRef(rec.sourceDomain(), rec.sourceSnapshot()),
                "requested on the command line", disks, touches, removes, StepText.lines(steps));
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(c), findings);
    }

    /**
     * What runs on the clone's disk now, the recorded overlay and anything the clone stacked on it, added to
     * {@code removes}; or why none of it may go (null when all may).
     */
    private String ownChain(HostIndex index, String name, DiskInfo disk, Path overlay, List<Path> removes) {
        List<Path> chain = disk == null ? List.of(overlay) : chainDown(index, disk.path(), overlay);
        for (Path p : chain) {
            List<Path> users = index.usersOf(p).stream().filter(u -> !chain.contains(u)).toList();
            if (!users.isEmpty()) {
                return p + " is the backing file of " + users + "; deleting the clone would break them";
            }
            if (!layout.contains(p)) {
                return p + " (in " + name + "'s chain) lies outside the store";
            }
            removes.add(p);
        }
        return null;
    }

    /** The files from {@code top} down to {@code last} (inclusive), or just {@code last} if it is not in the chain. */
    private static List<Path> chainDown(HostIndex index, Path top, Path last) {
        List<Path> out = new ArrayList<>();
        for (Path p = top; p != null; ) {
            out.add(p);
            if (p.equals(last)) {
                return out;
            }
            ImageInfo i = index.image(p);
            p = i == null ? null : i.backingPath();
        }
        return List.of(last);
    }

    /** A backup (see {@link BackupPlanner}). */
    public Plan backup(Actual actual, String domainName, String name, Change.Export export) {
        return new BackupPlanner(layout, now).backup(actual, domainName, name, export);
    }

    /** The backup's manifest beside the exported files. */
    public static final String BACKUP_MANIFEST = "backup.json";

    private Plan error(Actual actual, List<Finding> findings, String domain, String snapshot, String message, String fix) {
        findings.add(err(domain, snapshot, message, fix));
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(), findings);
    }

    private static Finding err(String domain, String snapshot, String message, String fix) {
        return new Finding(Finding.Kind.ERROR, domain, snapshot, message, fix);
    }
}
