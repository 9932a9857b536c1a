package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The plans of clones and backups: a clone is a new domain on new overlays over a snapshot's frozen files
 * (an internal snapshot's state is first copied out once, and shared by later clones); deleting a clone removes
 * its own overlays only; a backup cuts every disk at one instant, exports the frozen state and merges back.
 * Pure, like {@link Planner}.
 */
public final class ClonePlanner {
    private final StoreLayout layout;
    private final Instant now;

    public ClonePlanner(StoreLayout layout, Instant now) {
        this.layout = layout;
        this.now = now;
    }

    /**
     * @param runAfter "running", "paused", or "shutoff" (made, not started)
     */
    public Plan clone(Actual actual, String sourceDomain, String snapshot, String name, String runAfter) {
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
        if ("xl".equals(actual.driver()) && m.restart() != null && m.restart().xlConfigText() == null) {
            findings.add(err(sourceDomain, snapshot, "snapshot " + sourceDomain + "/" + snapshot + " was taken without "
                    + sourceDomain + "'s xl config file, from which a clone's config is derived",
                    "take a snapshot with --xl-config FILE (or xlConfig: in the spec) and clone that one"));
        }
        if (m.memory() != null && !"shutoff".equals(runAfter) && stored.memorySize() != m.memory().size()) {
            findings.add(err(sourceDomain, snapshot, "the memory file of " + sourceDomain + "/" + snapshot + " is "
                    + (stored.memorySize() < 0 ? "missing" : "damaged"), null));
        }
        Change c = clone(index, findings, sourceDomain, snapshot, m.disks(), m.memory() == null ? null
                : layout.snapshotDir(sourceDomain, snapshot).resolve(m.memory().file()), name, runAfter);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), c == null ? List.of() : List.of(c), findings);
    }

    /**
     * A clone of a snapshot that a create earlier in the same plan makes: its disks as that create will record
     * them (an external disk's frozen file is the file active now; an internal one's tag is in its image).
     */
    Change cloneOfPlanned(HostIndex index, List<Finding> findings, Change create, String name, String runAfter) {
        List<Manifest.Disk> disks = new ArrayList<>();
        for (DiskChange d : create.disks()) {
            boolean external = DiskChange.EXTERNAL.equals(d.mode());
            // a raw disk's reflink copy is itself the frozen file, with no overlay on the disk (as Creator records it)
            String frozen = !external ? null : d.reflinkCopy() ? d.layer().toString() : d.image().toString();
            String overlay = !external || d.reflinkCopy() ? null : d.layer().toString();
            disks.add(new Manifest.Disk(d.vdev(), d.mode(), d.format(), d.image().toString(), d.tag(), frozen, overlay));
        }
        return clone(index, findings, create.domain(), create.snapshot(), disks, !create.memory() ? null
                : create.memoryFile() != null ? create.memoryFile() : layout.memory(create.domain(), create.snapshot()),
                name, runAfter);
    }

    /** The clone change, or null with errors added to {@code findings}. */
    private Change clone(HostIndex index, List<Finding> findings, String sourceDomain, String snapshot,
                         List<Manifest.Disk> sourceDisks, Path memoryFile, String name, String runAfter) {
        if (index.domain(name) != null) {
            findings.add(err(name, null, "a domain named " + name + " already exists", "choose another name for the clone"));
            return null;
        }
        if (index.cloneOf(name) != null || index.hasSnapshots(name)) {
            findings.add(err(name, null, "the store already holds " + layout.domainDir(name) + " (a clone or snapshots"
                    + " of a domain named " + name + ")", "choose another name, or xsnap delete-clone " + name));
            return null;
        }
        boolean memory = memoryFile != null && !"shutoff".equals(runAfter);
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        for (Manifest.Disk d : sourceDisks) {
            Path overlay = layout.layersDir(name).resolve(d.vdev() + ".1." + (d.reflinkCopy() ? "raw" : "qcow2"));
            switch (d.mode()) {
                case DiskChange.EXTERNAL -> {
                    Path frozen = Path.of(d.frozen());
                    if (index.image(frozen) == null) {
                        findings.add(err(sourceDomain, snapshot, d.vdev() + ": frozen file " + frozen + " is missing", null));
                        continue;
                    }
                    disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, overlay, null));
                }
                case DiskChange.INTERNAL -> {
                    Path image = Path.of(d.image());
                    ImageInfo img = index.image(image);
                    Path copy = layout.frozenCopy(sourceDomain, snapshot, d.vdev());
                    if (index.image(copy) == null) {
                        if (img == null || !img.hasSnapshot(d.tag())) {
                            findings.add(err(sourceDomain, snapshot, d.vdev() + ": internal snapshot '" + d.tag()
                                    + "' is gone from " + image, null));
                            continue;
                        }
                        touches.add(copy + " (frozen copy of internal snapshot '" + d.tag() + "', shared by clones)");
                        steps.add("qemu-img convert -U -l snapshot.name=" + d.tag() + " -O qcow2 " + image + " " + copy);
                    }
                    disks.add(new DiskChange(d.vdev(), DiskChange.INTERNAL, "qcow2", image, d.tag(), overlay, null));
                }
                default -> findings.add(err(sourceDomain, snapshot, d.vdev() + " was excluded from " + sourceDomain
                        + "/" + snapshot + "; a clone would share the source's live disk",
                        "clone a snapshot that includes every disk"));
            }
        }
        if (findings.stream().anyMatch(f -> f.kind() == Finding.Kind.ERROR)) {
            return null;
        }
        for (DiskChange d : disks) {
            Path base = base(sourceDomain, snapshot, d);
            if (d.reflinkCopy()) {
                touches.add(d.layer() + " (" + name + "'s own reflink copy of " + base + ", which stays frozen)");
                steps.add("cp --reflink=always " + base + " " + d.layer());
                continue;
            }
            touches.add(d.layer() + " (" + name + "'s own overlay on " + base + ", which stays frozen)");
            steps.add("qemu-img create -f qcow2 -b " + base + " -F " + (d.mode().equals(DiskChange.INTERNAL) ? "qcow2"
                    : d.format()) + " " + d.layer());
        }
        touches.add(layout.cloneRecord(name) + " (the clone's record: source, overlays, how to start it)");
        steps.add("derive " + name + "'s start from " + sourceDomain + "'s: new name, disks, MAC addresses and UUID");
        steps.add("write " + layout.cloneRecord(name));
        if (!"shutoff".equals(runAfter)) {
            steps.add(memory ? "start " + name + " from " + memoryFile
                    + ", left " + runAfter : "cold-start " + name + ", left " + runAfter);
        }
        return new Change(Action.CLONE, name, snapshot, Impact.SAFE, "requested on the command line", memory, false,
                runAfter, disks, touches, List.of(), steps, null, null, sourceDomain + "/" + snapshot, null, null, null);
    }

    /** The file a clone's overlay on this disk backs onto: the frozen file, or the internal snapshot's copy. */
    public Path base(String sourceDomain, String snapshot, DiskChange d) {
        return DiskChange.INTERNAL.equals(d.mode()) ? layout.frozenCopy(sourceDomain, snapshot, d.vdev()) : d.image();
    }

    /** Destroys a clone and removes its own overlays (nothing beneath them) and its record. */
    public Plan deleteClone(Actual actual, String name) {
        HostIndex index = new HostIndex(actual, layout);
        List<Finding> findings = new ArrayList<>();
        CloneRecord rec = index.cloneOf(name);
        io.xsnap.observe.Damaged damaged = actual.damaged(name, null);
        if (rec == null && damaged != null) {
            return error(actual, findings, name, null, "clone " + name + " is not touched: " + damaged.file()
                    + " is damaged: " + damaged.why(), "repair or move away " + damaged.file()
                    + " by hand (see \"A damaged store\" in the README)");
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
        List<String> steps = new ArrayList<>();
        if (dom != null && dom.state().active()) {
            steps.add("destroy " + name + " (its current state is discarded)");
        }
        for (CloneRecord.Disk d : rec.disks()) {
            Path overlay = Path.of(d.overlay());
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.baseFormat(), Path.of(d.base()), null, overlay, null));
            // what runs on the clone's disk now: the recorded overlay and anything the clone stacked on it
            DiskInfo disk = dom == null ? null : dom.disk(d.vdev());
            List<Path> chain = disk == null ? List.of(overlay) : chainDown(index, disk.path(), overlay);
            for (Path p : chain) {
                List<Path> users = index.usersOf(p).stream().filter(u -> !chain.contains(u)).toList();
                if (!users.isEmpty()) {
                    return error(actual, findings, name, null, p + " is the backing file of " + users
                            + "; deleting the clone would break them", null);
                }
                if (!layout.contains(p)) {
                    return error(actual, findings, name, null, p + " (in " + name + "'s chain) lies outside the store",
                            null);
                }
                removes.add(p);
            }
            steps.add(d.vdev() + ": remove " + overlay + "; " + d.base() + " stays");
        }
        removes.add(layout.cloneRecord(name));
        if ("xl".equals(actual.driver())) {
            removes.add(layout.xlStartConfig(name));
        }
        // the clone has no snapshots left (checked above), so the marker of its current one names nothing
        removes.add(layout.currentMarker(name));
        removes.forEach(p -> touches.add(p + " (deleted where present)"));
        steps.add("remove " + layout.domainDir(name) + " when nothing else is in it");
        Change c = new Change(Action.DELETE_CLONE, name, rec.sourceSnapshot(), Impact.DESTRUCTIVE,
                "requested on the command line", false, false, "shutoff", disks, touches, removes, steps, null,
                null, rec.source(), null, null, null);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(c), findings);
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

    /**
     * A backup: one disk-only snapshot {@code name} cutting every disk externally at one instant (no pause; a raw
     * disk QEMU does not serve is cut by a reflink copy while the domain is paused briefly), the frozen state exported
     * to {@code export.dir()}, then the snapshot deleted by merging back (the copies are removed).
     */
    public Plan backup(Actual actual, String domainName, String name, Change.Export export) {
        HostIndex index = new HostIndex(actual, layout);
        List<Finding> findings = new ArrayList<>();
        DomainInfo domain = index.domain(domainName);
        if (domain == null) {
            return error(actual, findings, domainName, null, "domain " + domainName + " does not exist on this host (driver "
                    + actual.driver() + ")", null);
        }
        if (!domain.state().active()) {
            return error(actual, findings, domainName, null, domainName + " is " + domain.state().word()
                    + "; a backup needs a running or paused domain", null);
        }
        if (index.snapshot(domainName, name) != null) {
            return error(actual, findings, domainName, name, "snapshot " + domainName + "/" + name + " already exists", null);
        }
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<String> cuts = new ArrayList<>();
        List<String> copies = new ArrayList<>();
        List<String> exports = new ArrayList<>();
        for (DiskInfo disk : domain.disks().stream().sorted(Comparator.comparing(DiskInfo::vdev)).toList()) {
            if (disk.readOnly()) {
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXCLUDED, disk.format(), disk.path(), null, null, null));
                continue;
            }
            Path out = export.dir().resolve(disk.vdev() + "." + export.format());
            Path frozen;
            if (disk.node() != null) {
                Path overlay = nextLayer(index, domainName, disk.vdev(), "qcow2");
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXTERNAL, disk.format(), disk.path(), null, overlay, null));
                touches.add(overlay + " (temporary active layer; merged back and removed at the end)");
                cuts.add(disk.vdev() + ": " + disk.path() + " frozen, temporary layer " + overlay);
                frozen = disk.path();
            } else if (disk.reflink()) {
                // not served by QEMU (xl: raw on blkback): a reflink copy taken while the domain is paused is the cut
                Path copy = nextLayer(index, domainName, disk.vdev(), "raw");
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXTERNAL, disk.format(), disk.path(), null, copy, null));
                touches.add(copy + " (temporary reflink copy of " + disk.path() + ", taken while " + domainName
                        + " is paused; removed at the end)");
                copies.add(disk.vdev());
                frozen = copy;
            } else {
                findings.add(err(domainName, name, domainName + " disk " + disk.vdev() + " (" + disk.path() + ") is not "
                        + "served by a QEMU xsnap can reach (a raw disk on blkback, or a stub-domain device model), and it "
                        + "cannot be copied cheaply into the store (cp --reflink needs the disk and " + layout.root()
                        + " on one btrfs or xfs filesystem); a backup cuts every disk at one instant",
                        "convert it to qcow2 (qemu-img convert -O qcow2) and point the domain's config at the new file so "
                        + "Xen's QEMU serves it, or keep the store on the disk's reflink-capable filesystem"));
                continue;
            }
            touches.add(out + " (the exported state of " + disk.vdev() + ")");
            exports.add("qemu-img convert " + (export.compress() ? "-c " : "") + "-O " + export.format() + " "
                    + frozen + " " + out);
        }
        if (cuts.isEmpty() && copies.isEmpty() && findings.isEmpty()) {
            findings.add(err(domainName, name, domainName + " has no disk to back up", null));
        }
        if (!findings.isEmpty()) {
            return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(), findings);
        }
        Path manifest = export.dir().resolve(BACKUP_MANIFEST);
        touches.add(manifest + " (domain, time, disks, sizes, sha256)");
        List<String> steps = new ArrayList<>();
        disks.stream().filter(d -> d.layer() != null && !d.reflinkCopy()).forEach(d -> steps.add("qemu-img create -f qcow2 -b "
                + d.image() + " -F " + d.format() + " " + d.layer()));
        boolean pause = !copies.isEmpty() && domain.state() == RunState.RUNNING;
        if (pause) {
            steps.add("pause " + domainName + " briefly: raw disk " + String.join(", ", copies) + " is copied while it is paused");
        }
        disks.stream().filter(DiskChange::reflinkCopy).forEach(d -> steps.add("copy: cp --reflink=always " + d.image() + " "
                + d.layer()));
        if (!cuts.isEmpty()) {
            steps.add("cut disks in one transaction" + (pause ? "" : " (no pause)") + ": " + String.join("; ", cuts));
        }
        if (pause) {
            steps.add("resume " + domainName);
        }
        steps.add("write the temporary snapshot's manifest " + layout.manifest(domainName, name));
        steps.addAll(exports);
        steps.add("sha256 of each exported file; write " + manifest);
        steps.add("delete the temporary snapshot " + domainName + "/" + name + ": "
                + (cuts.isEmpty() ? "" : "commit each temporary layer back into the file below (live block-commit)")
                + (cuts.isEmpty() || copies.isEmpty() ? "" : "; ") + (copies.isEmpty() ? "" : "remove the reflink copies"));
        Change c = new Change(Action.BACKUP, domainName, name, pause ? Impact.DISRUPTIVE : Impact.SAFE,
                "requested on the command line" + (pause ? "; pauses " + domainName + " briefly while raw disk "
                + String.join(", ", copies) + " is copied" : ""), false, false,
                domain.state().word(), disks, touches, List.of(), steps, null, null, null, export, null, null);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(c), findings);
    }

    /** The backup's manifest beside the exported files. */
    public static final String BACKUP_MANIFEST = "backup.json";

    private Path nextLayer(HostIndex index, String domain, String vdev, String extension) {
        for (int n = 1; ; n++) {
            Path p = layout.layersDir(domain).resolve(vdev + "." + n + "." + extension);
            if (index.image(p) == null) {
                return p;
            }
        }
    }

    private Plan error(Actual actual, List<Finding> findings, String domain, String snapshot, String message, String fix) {
        findings.add(err(domain, snapshot, message, fix));
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(), findings);
    }

    private static Finding err(String domain, String snapshot, String message, String fix) {
        return new Finding(Finding.Kind.ERROR, domain, snapshot, message, fix);
    }
}
