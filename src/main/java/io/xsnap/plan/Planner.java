package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pure planner: {@code plan(desired, actual)} → the changes that make the host match, with a reason
 * each, in a stable order. No I/O: everything it knows comes from its arguments.
 */
public final class Planner {
    private final StoreLayout layout;
    private final Instant now;

    public Planner(StoreLayout layout, Instant now) {
        this.layout = layout;
        this.now = now;
    }

    /** The declarative plan: creates for missing present snapshots, deletes for absent ones that are ours. */
    public Plan plan(Desired desired, Actual actual) {
        Session s = new Session(actual);
        for (DomainSpec spec : desired.domains()) {
            DomainInfo domain = s.index.domain(spec.domain());
            boolean hasWork = spec.snapshots().stream().anyMatch(sn -> sn.state() == Presence.PRESENT
                    ? s.index.snapshot(spec.domain(), sn.name()) == null
                    : s.index.snapshot(spec.domain(), sn.name()) != null);
            if (domain == null && hasWork && spec.snapshots().stream().anyMatch(sn -> sn.state() == Presence.PRESENT
                    && s.index.snapshot(spec.domain(), sn.name()) == null)) {
                s.error(spec.domain(), null, "domain " + spec.domain() + " (" + spec.source()
                        + ") does not exist on this host (driver " + actual.driver() + ")",
                        "start the domain, or fix the domain name in the spec");
            }
            for (SnapshotSpec snap : spec.snapshots()) {
                StoredSnapshot stored = s.index.snapshot(spec.domain(), snap.name());
                if (snap.state() == Presence.ABSENT) {
                    if (stored != null) {
                        s.add(delete(s, stored, "spec says state: absent (" + snap.source() + ")"));
                    } else {
                        s.noteUnmanagedNamed(domain, snap.name());
                    }
                } else if (stored == null) {
                    if (domain != null) {
                        Change c = create(s, domain, snap.name(), snap.memory(), snap.live(), snap.disks(),
                                "declared in " + snap.source() + ", not on the host");
                        if (c != null) {
                            s.changes.add(c);
                        }
                    }
                } else {
                    checkDrift(s, stored);
                    checkDiffers(s, stored, snap);
                }
            }
            if (domain != null) {
                s.noteUnmanaged(domain);
            }
        }
        return s.toPlan();
    }

    /**
     * Recovery: a RECOVER change for each change an interrupted run left open ({@code interrupted}, from the
     * journal) and for each snapshot directory without a manifest (see {@link RecoveryPlanner}).
     */
    public Plan recover(Actual actual, List<Interrupted> interrupted) {
        List<Finding> findings = new ArrayList<>();
        List<Change> changes = new RecoveryPlanner(layout, actual).plan(interrupted, findings);
        return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), changes, findings);
    }

    /** The imperative create: one snapshot of one domain. */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks) {
        Session s = new Session(actual);
        DomainInfo domain = s.index.domain(domainName);
        if (domain == null) {
            s.error(domainName, name, "domain " + domainName + " does not exist on this host (driver "
                    + actual.driver() + ")", null);
        } else if (s.index.snapshot(domainName, name) != null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " already exists",
                    "choose another --name, or delete it first");
        } else {
            Change c = create(s, domain, name, memory, live, disks, "requested on the command line");
            if (c != null) {
                s.changes.add(c);
            }
        }
        return s.toPlan();
    }

    /** The imperative delete. */
    public Plan delete(Actual actual, String domainName, String name) {
        Session s = new Session(actual);
        StoredSnapshot stored = s.index.snapshot(domainName, name);
        if (stored == null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " does not exist in the store "
                    + layout.root(), "xsnap list " + domainName);
        } else {
            s.add(delete(s, stored, "requested on the command line"));
        }
        return s.toPlan();
    }

    /**
     * The imperative revert.
     *
     * @param runAfter "running", "paused", or null for the state the snapshot was taken in
     * @param force    allow losing the domain's current state
     */
    public Plan revert(Actual actual, String domainName, String name, String runAfter, boolean force) {
        Session s = new Session(actual);
        StoredSnapshot stored = s.index.snapshot(domainName, name);
        if (stored == null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " does not exist in the store "
                    + layout.root(), "xsnap list " + domainName);
            return s.toPlan();
        }
        Change c = revert(s, stored, runAfter, force, "requested on the command line");
        if (c != null) {
            s.changes.add(c);
        }
        return s.toPlan();
    }

    // ---------------------------------------------------------------- create

    private Change create(Session s, DomainInfo domain, String name, boolean memory, boolean live,
                          Map<String, DiskMode> modes, String reason) {
        String dn = domain.name();
        int errors = s.errorCount();
        if (!domain.state().active()) {
            s.error(dn, name, dn + " is " + domain.state().word() + "; a snapshot needs a running or paused domain",
                    null);
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
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<String> cuts = new ArrayList<>();
        for (DiskInfo disk : sortedDisks(domain)) {
            DiskMode asked = modes.getOrDefault(disk.vdev(), DiskMode.AUTO);
            DiskMode mode = disk.readOnly() && asked == DiskMode.AUTO ? DiskMode.EXCLUDE : asked.resolve(disk.format());
            String where = dn + " disk " + disk.vdev() + " (" + disk.path() + ")";
            if (mode == DiskMode.EXCLUDE) {
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXCLUDED, disk.format(), disk.path(), null, null, null));
                continue;
            }
            if (disk.readOnly()) {
                s.error(dn, name, where + " is read-only; it cannot be snapshotted", "set " + disk.vdev() + ": exclude");
                continue;
            }
            if (mode == DiskMode.INTERNAL) {
                if (!"qcow2".equals(disk.format())) {
                    s.error(dn, name, where + " is " + disk.format() + "; only qcow2 holds internal snapshots",
                            "set " + disk.vdev() + ": external (or auto)");
                    continue;
                }
                ImageInfo img = s.index.image(disk.path());
                if (img != null && img.hasSnapshot(name)) {
                    s.error(dn, name, where + " already holds an internal snapshot named '" + name
                            + "' that xsnap did not make", "choose another snapshot name");
                    continue;
                }
                disks.add(new DiskChange(disk.vdev(), DiskChange.INTERNAL, disk.format(), disk.path(), name, null, null));
                touches.add(disk.path() + " (internal snapshot '" + name + "')");
                cuts.add(disk.vdev() + " internal '" + name + "' in " + disk.path());
            } else {
                Path overlay = s.nextLayer(dn, disk.vdev());
                // an earlier create of this plan may have given the disk a new top already
                Path top = s.plannedTops.getOrDefault(dn + "\0" + disk.vdev(), disk.path());
                String format = top.equals(disk.path()) ? disk.format() : "qcow2";
                s.plannedTops.put(dn + "\0" + disk.vdev(), overlay);
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXTERNAL, format, top, null, overlay, null));
                touches.add(overlay + " (new active layer; " + top + " is frozen)");
                cuts.add(disk.vdev() + " external: " + top + " frozen, new active layer " + overlay);
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        if (!memory && cuts.isEmpty()) {
            s.error(dn, name, "snapshot " + name + " of " + dn + " would hold nothing: no memory and every disk excluded",
                    "include a disk or set memory: true");
            return null;
        }
        List<String> steps = new ArrayList<>();
        boolean running = domain.state() == RunState.RUNNING;
        Path dir = layout.snapshotDir(dn, name);
        for (DiskChange d : disks) {
            if (d.layer() != null) {
                steps.add("qemu-img create -f qcow2 -b " + d.image() + " -F " + d.format() + " " + d.layer());
            }
        }
        if (memory) {
            touches.add(0, layout.memory(dn, name) + " (guest memory, mode 0600)");
            if (live) {
                steps.add("save memory live to " + layout.memory(dn, name) + " (guest keeps running; paused at the end)");
            } else {
                if (running) {
                    steps.add("pause " + dn);
                }
                steps.add("save memory to " + layout.memory(dn, name));
            }
        }
        if (!cuts.isEmpty()) {
            steps.add("cut disks in one transaction: " + String.join("; ", cuts));
        }
        if (running && memory) {
            steps.add("resume " + dn);
        }
        steps.add("write manifest " + dir.resolve(StoreLayout.MANIFEST));
        Impact impact = memory ? Impact.DISRUPTIVE : Impact.SAFE;
        String why = reason + (memory && !live && running ? "; pauses " + dn + " while memory is saved" : "");
        return new Change(Action.CREATE, dn, name, impact, why, memory, memory && live, domain.state().word(),
                disks, touches, List.of(), steps);
    }

    // ---------------------------------------------------------------- delete

    private Change delete(Session s, StoredSnapshot stored, String reason) {
        Manifest m = stored.manifest();
        String self = m.domain() + "/" + m.name();
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        int errors = s.errorCount();
        for (Manifest.Disk d : m.disks()) {
            switch (d.mode()) {
                case DiskChange.INTERNAL -> {
                    Path image = Path.of(d.image());
                    disks.add(new DiskChange(d.vdev(), DiskChange.INTERNAL, d.format(), image, d.tag(), null, null));
                    ImageInfo img = s.index.image(image);
                    List<Path> users = s.index.usersOf(image);
                    if (img == null || !img.hasSnapshot(d.tag())) {
                        steps.add(d.vdev() + ": internal snapshot '" + d.tag() + "' is already gone from " + image);
                    } else if (!users.isEmpty()) {
                        s.error(m.domain(), m.name(), d.vdev() + ": internal snapshot '" + d.tag() + "' lives in " + image
                                + ", which is now the backing file of " + joinPaths(users)
                                + "; deleting it would write a file that must not change",
                                "delete the external snapshots taken after it first");
                    } else {
                        touches.add(image + " (internal snapshot '" + d.tag() + "' deleted)");
                        steps.add("delete internal snapshot '" + d.tag() + "' from " + image);
                    }
                }
                case DiskChange.EXTERNAL -> deleteExternal(s, self, d, disks, touches, removes, steps);
                default -> disks.add(new DiskChange(d.vdev(), DiskChange.EXCLUDED, d.format(), null, null, null, null));
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        Path dir = layout.snapshotDir(m.domain(), m.name());
        if (m.memory() != null) {
            removes.add(dir.resolve(m.memory().file()));
        }
        removes.add(dir.resolve(StoreLayout.MANIFEST));
        removes.add(dir);
        removes.forEach(p -> touches.add(p + " (deleted)"));
        return new Change(Action.DELETE, m.domain(), m.name(), Impact.DESTRUCTIVE, reason, m.memory() != null,
                false, "unchanged", disks, touches, removes, steps);
    }

    /**
     * How the frozen file of an external snapshot leaves the chain (invariants 2 and 3): merge the layer
     * above into it, or stream it into the layer above, and remove only a file the store owns that nothing
     * else uses. Commit writes the frozen file and removes the layer above, so that layer must be the
     * store's and named by no other snapshot; stream writes the layer above (its guest-visible content
     * stays the same) and removes the frozen file, so that must be the store's. When both are possible,
     * the direction that copies fewer bytes wins.
     */
    private void deleteExternal(Session s, String self, Manifest.Disk d, List<DiskChange> disks,
                                List<String> touches, List<Path> removes, List<String> steps) {
        Path frozen = Path.of(d.frozen());
        List<Path> users = s.index.usersOf(frozen);
        Set<String> others = s.index.namedByOthers(frozen, self);
        boolean owned = layout.contains(frozen);
        if (s.index.image(frozen) == null) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": frozen file " + frozen + " is already gone");
            return;
        }
        if (!others.isEmpty() || !owned && users.isEmpty()) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (" + (others.isEmpty() ? "not in the store"
                    : "also named by " + String.join(", ", others)) + ")");
            return;
        }
        if (users.size() > 1) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (backing file of " + users.size() + " images: "
                    + joinPaths(users) + ")");
            return;
        }
        if (users.isEmpty()) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            removes.add(frozen);
            steps.add(d.vdev() + ": " + frozen + " is no image's backing file any more");
            return;
        }
        Path above = users.get(0);
        if (s.index.usersOf(above).size() > 1 || s.index.chainHolders(above) > 1) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (" + above + " above it is shared by several chains)");
            return;
        }
        boolean aboveOwned = layout.contains(above) && s.index.namedByOthers(above, self).isEmpty();
        if (!owned && !aboveOwned) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (not in the store, and " + above + " must stay)");
            return;
        }
        DiskChange.Merge merge = !aboveOwned ? DiskChange.Merge.STREAM
                : !owned ? DiskChange.Merge.COMMIT
                : s.allocated(frozen) < s.allocated(above) ? DiskChange.Merge.STREAM : DiskChange.Merge.COMMIT;
        disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, above, merge));
        if (merge == DiskChange.Merge.COMMIT) {
            touches.add(frozen + " (receives the data of " + above + ")");
            removes.add(above);
            steps.add("commit " + above + " into " + frozen + (s.index.holder(above) != null ? " (live block-commit)" : ""));
        } else {
            touches.add(above + " (receives the data of " + frozen + "; guest-visible content unchanged)");
            removes.add(frozen);
            steps.add("stream " + frozen + " into " + above + (s.index.holder(above) != null ? " (live block-stream)" : ""));
        }
    }

    // ---------------------------------------------------------------- revert

    private Change revert(Session s, StoredSnapshot stored, String runAfter, boolean force, String reason) {
        Manifest m = stored.manifest();
        String dn = m.domain();
        DomainInfo domain = s.index.domain(dn);
        int errors = s.errorCount();
        if (m.memory() != null && stored.memorySize() != m.memory().size()) {
            s.error(dn, m.name(), "memory file of " + dn + "/" + m.name() + " is "
                    + (stored.memorySize() < 0 ? "missing" : stored.memorySize() + " bytes, not " + m.memory().size()),
                    "this snapshot cannot be reverted to; delete it");
        }
        if (domain != null && domain.state().active() && !force) {
            s.error(dn, m.name(), dn + " is " + domain.state().word() + "; reverting loses its current memory and every "
                    + "disk write since it was last snapshotted", "add --force to revert anyway, or take a snapshot first");
        }
        if (domain != null && !domain.state().active() && domain.state() != RunState.SHUTOFF) {
            s.error(dn, m.name(), dn + " is " + domain.state().word() + "; revert needs it running, paused or off", null);
        }
        if (m.restart() == null || m.restart().argv().isEmpty() && m.restart().xlConfig() == null) {
            s.error(dn, m.name(), "snapshot " + dn + "/" + m.name() + " does not record how to start " + dn, null);
        }
        List<DiskChange> disks = new ArrayList<>();
        List<String> touches = new ArrayList<>();
        List<String> diskSteps = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        for (Manifest.Disk d : m.disks()) {
            DiskInfo current = domain == null ? null : domain.disk(d.vdev());
            switch (d.mode()) {
                case DiskChange.INTERNAL -> {
                    Path image = Path.of(d.image());
                    ImageInfo img = s.index.image(image);
                    if (img == null || !img.hasSnapshot(d.tag())) {
                        s.error(dn, m.name(), d.vdev() + ": internal snapshot '" + d.tag() + "' is gone from " + image, null);
                        continue;
                    }
                    List<Path> users = s.index.usersOf(image);
                    if (!users.isEmpty()) {
                        s.error(dn, m.name(), d.vdev() + ": " + image + " holds '" + d.tag() + "' but is now the backing file of "
                                + joinPaths(users) + "; applying it would change their data",
                                "revert to the external snapshot taken after it, or delete that one first");
                        continue;
                    }
                    disks.add(new DiskChange(d.vdev(), DiskChange.INTERNAL, d.format(), image, d.tag(), null, null));
                    touches.add(image + " (internal snapshot '" + d.tag() + "' applied; current data discarded)");
                    diskSteps.add("qemu-img snapshot -a " + d.tag() + " " + image);
                }
                case DiskChange.EXTERNAL -> {
                    Path frozen = Path.of(d.frozen());
                    if (s.index.image(frozen) == null) {
                        s.error(dn, m.name(), d.vdev() + ": frozen file " + frozen + " is missing", null);
                        continue;
                    }
                    Path layer = s.nextLayer(dn, d.vdev());
                    disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, layer, null));
                    if (current != null && discardable(s, current.path(), self(m))) {
                        removes.add(current.path());
                        touches.add(current.path() + " (deleted: the discarded current state)");
                    }
                    touches.add(layer + " (new active layer on " + frozen + ")");
                    diskSteps.add("qemu-img create -f qcow2 -b " + frozen + " -F " + d.format() + " " + layer);
                }
                default -> disks.add(new DiskChange(d.vdev(), DiskChange.EXCLUDED, d.format(),
                        current == null ? null : current.path(), null, null, null));
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        String after = runAfter != null ? runAfter : m.memory() == null ? "running" : m.state();
        List<String> steps = new ArrayList<>();
        if (domain != null && domain.state().active()) {
            steps.add("stop " + dn + " (its current state is discarded)");
        }
        steps.addAll(diskSteps);
        steps.add(m.memory() != null
                ? "start " + dn + " from " + layout.snapshotDir(dn, m.name()).resolve(m.memory().file())
                : "cold-start " + dn + " (disk-only snapshot: the guest boots from the reverted disks)");
        steps.add("leave " + dn + " " + after);
        return new Change(Action.REVERT, dn, m.name(), Impact.DISRUPTIVE, reason, m.memory() != null, false, after,
                disks, touches, removes, steps);
    }

    private static String self(Manifest m) {
        return m.domain() + "/" + m.name();
    }

    /** A current top layer a revert may throw away: the store's, named by no manifest, backing nothing. */
    private boolean discardable(Session s, Path top, String self) {
        return layout.contains(top) && s.index.namedByOthers(top, self).isEmpty() && s.index.usersOf(top).isEmpty()
                && s.index.namedByOthers(top, "").isEmpty();
    }

    // ---------------------------------------------------------------- findings

    private void checkDrift(Session s, StoredSnapshot stored) {
        Manifest m = stored.manifest();
        String fix = "delete it (xsnap delete " + m.domain() + " " + m.name() + ") and apply again";
        if (m.memory() != null && stored.memorySize() != m.memory().size()) {
            s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), "memory file "
                    + (stored.memorySize() < 0 ? "is missing" : "is " + stored.memorySize() + " bytes, the manifest says "
                    + m.memory().size()), fix));
        }
        for (Manifest.Disk d : m.disks()) {
            if (DiskChange.INTERNAL.equals(d.mode())) {
                ImageInfo img = s.index.image(Path.of(d.image()));
                if (img == null || !img.hasSnapshot(d.tag())) {
                    s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), d.vdev() + ": internal snapshot '"
                            + d.tag() + "' is gone from " + d.image(), fix));
                }
            } else if (DiskChange.EXTERNAL.equals(d.mode()) && s.index.image(Path.of(d.frozen())) == null) {
                s.findings.add(new Finding(Finding.Kind.DRIFT, m.domain(), m.name(), d.vdev() + ": frozen file "
                        + d.frozen() + " is missing", fix));
            }
        }
    }

    private void checkDiffers(Session s, StoredSnapshot stored, SnapshotSpec snap) {
        Manifest m = stored.manifest();
        List<String> diffs = new ArrayList<>();
        if ((m.memory() != null) != snap.memory()) {
            diffs.add("memory: spec " + snap.memory() + ", taken " + (m.memory() != null));
        }
        for (Manifest.Disk d : m.disks()) {
            DiskMode asked = snap.modeFor(d.vdev());
            String want = asked == DiskMode.AUTO ? null : asked == DiskMode.EXCLUDE ? DiskChange.EXCLUDED : asked.word();
            if (want != null && !want.equals(d.mode())) {
                diffs.add(d.vdev() + ": spec " + want + ", taken " + d.mode());
            }
        }
        if (!diffs.isEmpty()) {
            s.findings.add(new Finding(Finding.Kind.DIFFERS, m.domain(), m.name(), "taken with other settings ("
                    + String.join("; ", diffs) + "); snapshots are never changed in place",
                    "rename the snapshot in the spec to take a new one"));
        }
    }

    private static List<DiskInfo> sortedDisks(DomainInfo d) {
        return d.disks().stream().sorted(java.util.Comparator.comparing(DiskInfo::vdev)).toList();
    }

    private static String joinPaths(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }

    /** State of one planning run: the index, the changes and findings so far, layer names handed out. */
    private final class Session {
        final HostIndex index;
        final Actual actual;
        final List<Change> changes = new ArrayList<>();
        final List<Finding> findings = new ArrayList<>();
        final Set<Path> takenLayers = new HashSet<>();
        /** "domain\0vdev" → the active layer a create planned earlier in this plan makes. */
        final Map<String, Path> plannedTops = new java.util.HashMap<>();

        Session(Actual actual) {
            this.actual = actual;
            this.index = new HostIndex(actual);
            actual.images().forEach(i -> takenLayers.add(i.path()));
        }

        void add(Change c) {
            if (c != null) {
                changes.add(c);
            }
        }

        void error(String domain, String snapshot, String message, String fix) {
            findings.add(new Finding(Finding.Kind.ERROR, domain, snapshot, message, fix));
        }

        int errorCount() {
            return (int) findings.stream().filter(f -> f.kind() == Finding.Kind.ERROR).count();
        }

        /** {@code <store>/<domain>/layers/<vdev>.<n>.qcow2} with the lowest n not observed or handed out. */
        Path nextLayer(String domain, String vdev) {
            for (int n = 1; ; n++) {
                Path p = layout.layersDir(domain).resolve(vdev + "." + n + ".qcow2");
                if (takenLayers.add(p)) {
                    return p;
                }
            }
        }

        long allocated(Path p) {
            ImageInfo i = index.image(p);
            return i == null ? Long.MAX_VALUE : i.fileSize();
        }

        void noteUnmanaged(DomainInfo domain) {
            Set<String> managed = new HashSet<>();
            for (StoredSnapshot st : actual.snapshots()) {
                st.manifest().disks().stream().filter(d -> d.tag() != null).forEach(d -> managed.add(d.image() + "\0" + d.tag()));
            }
            TreeMap<String, String> unmanaged = new TreeMap<>();
            for (DiskInfo disk : sortedDisks(domain)) {
                for (ImageInfo img : index.chain(disk)) {
                    for (InternalSnapshot sn : img.snapshots()) {
                        if (!managed.contains(img.path() + "\0" + sn.name())) {
                            unmanaged.put(disk.vdev() + ":" + sn.name(), img.path().toString());
                        }
                    }
                }
            }
            unmanaged.forEach((k, img) -> findings.add(new Finding(Finding.Kind.UNMANAGED, domain.name(),
                    k.substring(k.indexOf(':') + 1), k.substring(0, k.indexOf(':')) + ": internal snapshot in " + img
                    + " not made by xsnap; left alone", null)));
        }

        void noteUnmanagedNamed(DomainInfo domain, String name) {
            if (domain == null) {
                return;
            }
            for (DiskInfo disk : sortedDisks(domain)) {
                ImageInfo img = index.image(disk.path());
                if (img != null && img.hasSnapshot(name)) {
                    findings.add(new Finding(Finding.Kind.UNMANAGED, domain.name(), name, disk.vdev()
                            + ": spec says absent, but the internal snapshot in " + img.path()
                            + " was not made by xsnap; left alone", "qemu-img snapshot -d " + name + " " + img.path()));
                }
            }
        }

        Plan toPlan() {
            List<Change> ordered = new ArrayList<>(changes);
            ordered.sort(java.util.Comparator.comparing(Change::domain).thenComparing(Change::action));
            return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), ordered, findings);
        }
    }
}
