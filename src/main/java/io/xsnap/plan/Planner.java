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
import io.xsnap.spec.CloneSpec;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.RetentionRule;
import io.xsnap.spec.RevertRequest;
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

    /**
     * The declarative plan: per domain, a one-shot revert first, then creates for missing present snapshots
     * and due retention snapshots, then deletes for absent ones that are ours and retention prunes. Each
     * change is planned against the state the changes before it leave (apply runs them in this order).
     */
    public Plan plan(Desired desired, Actual actual) {
        Session s = new Session(actual);
        desired.domains().forEach(d -> s.specs.put(d.domain(), d));
        Set<String> made = s.clones;
        desired.clones().stream().filter(c -> c.state() == Presence.PRESENT).forEach(c -> made.add(c.domain()));
        // a clone goes before the snapshots of its source are deleted, and is made after they are created;
        // the snapshots of a clone are planned once the clone is
        for (CloneSpec c : desired.clones()) {
            if (c.state() == Presence.ABSENT) {
                cloneAbsent(s, c);
            }
        }
        desired.domains().stream().filter(d -> !made.contains(d.domain())).forEach(d -> domain(s, d));
        for (CloneSpec c : desired.clones()) {
            if (c.state() == Presence.PRESENT) {
                clonePresent(s, c);
            }
        }
        desired.domains().stream().filter(d -> made.contains(d.domain())).forEach(d -> domain(s, d));
        return s.toPlan();
    }

    /** A clone the spec says should not exist: destroyed, its own overlays and record removed. */
    private void cloneAbsent(Session s, CloneSpec spec) {
        io.xsnap.observe.CloneRecord rec = s.index.cloneOf(spec.domain());
        if (rec == null) {
            return;
        }
        if (!rec.source().equals(spec.from())) {
            s.error(spec.domain(), null, spec.domain() + " is a clone of " + rec.source() + ", but " + spec.source()
                    + " says it is one of " + spec.from() + "; nothing is deleted on a spec that names another source",
                    "fix from: in the spec");
            return;
        }
        Plan p = new ClonePlanner(layout, now).deleteClone(s.actual, spec.domain());
        s.findings.addAll(p.findings());
        p.changes().forEach(c -> s.add(c.withReason("spec says state: absent (" + spec.source() + ")")));
    }

    /** A clone the spec says should exist: made from the stored snapshot, or from one this plan creates. */
    private void clonePresent(Session s, CloneSpec spec) {
        io.xsnap.observe.CloneRecord rec = s.index.cloneOf(spec.domain());
        if (rec != null) {
            if (!rec.source().equals(spec.from())) {
                s.error(spec.domain(), null, spec.domain() + " is a clone of " + rec.source() + ", but " + spec.source()
                        + " says it is one of " + spec.from(), "delete the clone first (state: absent), or fix from:");
            }
            return;
        }
        Change planned = null;
        for (Change c : s.changes) {
            if (c.snapshot() != null && c.domain().equals(spec.sourceDomain()) && c.snapshot().equals(spec.sourceSnapshot())) {
                if (c.action() == Action.DELETE) {
                    s.error(spec.domain(), null, "this plan deletes " + spec.from() + ", which clone " + spec.domain()
                            + " (" + spec.source() + ") is to be made from", "keep the snapshot, or make the clone absent");
                    return;
                }
                planned = c.action() == Action.CREATE ? c : planned;
            }
        }
        ClonePlanner clones = new ClonePlanner(layout, now);
        String reason = "declared in " + spec.source() + ", not on the host";
        if (planned == null) {
            Plan p = clones.clone(s.actual, spec.sourceDomain(), spec.sourceSnapshot(), spec.domain(), spec.start());
            s.findings.addAll(p.findings());
            p.changes().forEach(c -> s.add(c.withReason(reason)));
        } else if ("xl".equals(s.actual.driver()) && s.specs.get(spec.sourceDomain()).xlConfig().isEmpty()) {
            // the snapshot will record no xl config file, and a clone's config is derived from it
            s.error(spec.domain(), null, "clone " + spec.domain() + " (" + spec.source() + ") is made from "
                    + spec.from() + ", which this plan creates without " + spec.sourceDomain() + "'s xl config file",
                    "add xlConfig: to " + spec.sourceDomain() + "'s spec");
        } else {
            s.add(withReason(clones.cloneOfPlanned(s.index, s.findings, planned, spec.domain(), spec.start()),
                    reason + "; " + spec.from() + " is created first"));
        }
    }

    private static Change withReason(Change c, String reason) {
        return c == null ? null : c.withReason(reason);
    }

    /** The changes one DomainSnapshots spec asks for. */
    private void domain(Session s, DomainSpec spec) {
        DomainInfo observed = s.index.domain(spec.domain());
        spec.revert().ifPresent(r -> oneShotRevert(s, spec, r));
        boolean missingCreates = false;
        for (SnapshotSpec snap : spec.snapshots()) {
            if (snap.state() == Presence.PRESENT && s.index.snapshot(spec.domain(), snap.name()) == null) {
                DomainInfo domain = s.index.domain(spec.domain());
                if (domain == null) {
                    missingCreates = true;
                } else {
                    Change c = create(s, domain, snap.name(), snap.memory(), snap.live(), snap.disks(),
                            "declared in " + snap.source() + ", not on the host");
                    s.add(c == null || snap.description() == null ? c : c.withDescription(snap.description()));
                }
            }
        }
        if (missingCreates) {
            s.error(spec.domain(), null, "domain " + spec.domain() + " (" + spec.source()
                    + ") does not exist on this host (driver " + s.actual.driver() + ")",
                    s.clones.contains(spec.domain()) ? "a clone's snapshots need the clone running: start: running in its"
                    + " DomainClone spec" : "start the domain, or fix the domain name in the spec");
        }
        List<StoredSnapshot> prunes = new ArrayList<>();
        for (RetentionRule rule : spec.retention()) {
            prunes.addAll(retention(s, spec, rule));
        }
        for (SnapshotSpec snap : spec.snapshots()) {
            StoredSnapshot stored = s.index.snapshot(spec.domain(), snap.name());
            if (snap.state() == Presence.ABSENT) {
                if (stored == null && damaged(s, spec.domain(), snap.name())) {
                    continue;
                }
                if (stored != null) {
                    s.add(delete(s, stored, "spec says state: absent (" + snap.source() + ")"));
                } else {
                    s.noteUnmanagedNamed(observed, snap.name());
                }
            } else if (stored != null) {
                checkDrift(s, stored);
                checkDiffers(s, stored, snap);
            }
        }
        for (StoredSnapshot p : prunes) {
            s.add(delete(s, p, s.pruneReasons.get(p)));
        }
        if (observed != null) {
            s.noteUnmanaged(observed);
        }
    }

    /**
     * One retention rule: create when the rule's newest snapshot is older than {@code every} (or there is
     * none), then delete the rule's own snapshots beyond {@code keep} or older than {@code maxAge}, oldest
     * first. Only names the rule owns ({@code <prefix>-<UTC time>}) with a manifest are ever deleted.
     */
    private List<StoredSnapshot> retention(Session s, DomainSpec spec, RetentionRule rule) {
        DomainInfo domain = s.index.domain(spec.domain());
        String where = "retention rule '" + rule.prefix() + "' (" + rule.source() + ")";
        List<StoredSnapshot> owned = s.actual.snapshots().stream()
                .filter(st -> st.domain().equals(spec.domain()) && rule.owns(st.name()))
                .sorted(java.util.Comparator.comparing((StoredSnapshot st) -> rule.timeOf(st.name())))
                .toList();
        boolean due = owned.isEmpty()
                || !rule.timeOf(owned.get(owned.size() - 1).name()).plus(rule.every()).isAfter(now);
        int total = owned.size();
        if (due) {
            String name = rule.nameAt(now);
            String why = owned.isEmpty() ? where + ": no snapshot of this rule yet"
                    : where + ": newest " + owned.get(owned.size() - 1).name() + " is "
                    + age(rule.timeOf(owned.get(owned.size() - 1).name())) + " old, every " + human(rule.every());
            if (domain == null) {
                s.error(spec.domain(), name, "domain " + spec.domain() + " (" + spec.source()
                        + ") does not exist on this host; " + where + " cannot take " + name, null);
            } else if (s.index.snapshot(spec.domain(), name) == null) {
                Change c = create(s, domain, name, rule.memory(), rule.live(), rule.disks(), why);
                if (c != null) {
                    s.add(c);
                    total++;
                }
            }
        }
        List<StoredSnapshot> prunes = new ArrayList<>();
        for (int i = 0; i < owned.size(); i++) {
            StoredSnapshot st = owned.get(i);
            int newestRank = total - i;
            Instant taken = rule.timeOf(st.name());
            String why = null;
            if (newestRank > rule.keep()) {
                why = where + ": " + st.name() + " is the " + ordinal(newestRank) + " newest of keep " + rule.keep();
            } else if (rule.maxAge() != null && taken.plus(rule.maxAge()).isBefore(now)) {
                why = where + ": " + st.name() + " is " + age(taken) + " old, maxAge " + human(rule.maxAge());
            }
            if (why != null) {
                prunes.add(st);
                s.pruneReasons.put(st, why);
            }
        }
        return prunes;
    }

    /** A revert the spec asks for, once per id: ids already applied are recorded in the store. */
    private void oneShotRevert(Session s, DomainSpec spec, RevertRequest r) {
        if (s.actual.appliedReverts().contains(spec.domain() + "/" + r.id())) {
            return;
        }
        StoredSnapshot target = s.index.snapshot(spec.domain(), r.to());
        if (target == null) {
            s.error(spec.domain(), r.to(), "revert (" + r.source() + ") names snapshot " + r.to()
                    + ", which " + spec.domain() + " does not have", "xsnap list " + spec.domain());
            return;
        }
        Change c = revert(s, target, r.state(), true, "revert requested at " + r.source() + " (id " + r.id()
                + "), not applied yet");
        if (c != null) {
            s.add(c.withRequest(r.id()));
        }
    }

    private String age(Instant then) {
        return human(java.time.Duration.between(then, now));
    }

    /** 90000 s → "1d 1h"; 3600 s → "1h"; 59 s → "59s". */
    static String human(java.time.Duration d) {
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        StringBuilder sb = new StringBuilder();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (hours > 0) {
            sb.append(sb.length() > 0 ? " " : "").append(hours).append('h');
        }
        if (minutes > 0 && days == 0) {
            sb.append(sb.length() > 0 ? " " : "").append(minutes).append('m');
        }
        return sb.length() == 0 ? d.toSeconds() + "s" : sb.toString();
    }

    static String ordinal(int n) {
        String suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
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
        return create(actual, domainName, name, memory, live, disks, Map.of());
    }

    /**
     * The imperative create with chosen files: {@code layers} maps a vdev to the file its external cut creates
     * (the new overlay, or a raw disk's reflink copy) instead of the store's next layer.
     */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks, Map<String, Path> layers) {
        return create(actual, domainName, name, memory, live, disks, layers, null);
    }

    /**
     * The imperative create with chosen files and, when {@code memoryFile} is not null, the memory saved there
     * (outside the store: a snapshot cfgfile's memory_path, checked by the caller) instead of beside the manifest.
     */
    public Plan create(Actual actual, String domainName, String name, boolean memory, boolean live,
                       Map<String, DiskMode> disks, Map<String, Path> layers, Path memoryFile) {
        Session s = new Session(actual);
        s.chosenLayers.putAll(layers);
        s.memoryFile = memory ? memoryFile : null;
        DomainInfo domain = s.index.domain(domainName);
        if (domain == null) {
            s.error(domainName, name, "domain " + domainName + " does not exist on this host (driver "
                    + actual.driver() + ")", null);
        } else if (s.index.snapshot(domainName, name) != null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " already exists",
                    "choose another --name, or delete it first");
        } else {
            s.add(create(s, domain, name, memory, live, disks, "requested on the command line"));
        }
        return s.toPlan();
    }

    /** The imperative delete. */
    public Plan delete(Actual actual, String domainName, String name) {
        Session s = new Session(actual);
        StoredSnapshot stored = s.index.snapshot(domainName, name);
        if (stored == null && damaged(s, domainName, name)) {
            return s.toPlan();
        }
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
        if (stored == null && damaged(s, domainName, name)) {
            return s.toPlan();
        }
        if (stored == null) {
            s.error(domainName, name, "snapshot " + domainName + "/" + name + " does not exist in the store "
                    + layout.root(), "xsnap list " + domainName);
            return s.toPlan();
        }
        s.add(revert(s, stored, runAfter, force, "requested on the command line"));
        return s.toPlan();
    }

    /**
     * Whether the store's record of {@code domain/name} is damaged (invariant 8); if so the error names the record
     * and what is wrong, and nothing is planned for it.
     */
    private static boolean damaged(Session s, String domain, String name) {
        io.xsnap.observe.Damaged d = s.actual.damaged(domain, name);
        if (d == null) {
            return false;
        }
        s.error(domain, name, "snapshot " + d.address() + " is not touched: " + d.file() + " is damaged: " + d.why(),
                "repair or move away " + d.file() + " by hand (see \"A damaged store\" in the README)");
        return true;
    }

    // ---------------------------------------------------------------- create

    private Change create(Session s, DomainInfo domain, String name, boolean memory, boolean live,
                          Map<String, DiskMode> modes, String reason) {
        String dn = domain.name();
        if (damaged(s, dn, name)) {
            return null;
        }
        int errors = s.errorCount();
        if (!domain.state().active()) {
            s.error(dn, name, dn + " is " + domain.state().word() + "; a snapshot needs a running or paused domain",
                    null);
            return null;
        }
        boolean xl = "xl".equals(s.actual.driver());
        if (memory && live && xl) {
            // docs/xen-lab.md "Live memory snapshots on xl": the one live save libxl has is xl migrate's pre-copy,
            // which needs log-dirty mode; Debian's Xen 4.17 cannot give a PV guest that (no shadow paging)
            s.error(dn, name, "xl save has no live mode, and the live save of xl migrate needs Xen's log-dirty mode, "
                    + "which a PV guest only gets from a hypervisor built with shadow paging (Debian's Xen 4.17 is "
                    + "built without it: xl migrate fails \"Failed to enable logdirty\"); xsnap does not offer it: "
                    + "the memory of " + dn + " can only be saved with the domain suspended",
                    "take the snapshot without --live / live: true (xl save -p suspends " + dn
                    + " while its memory is written)");
            return null;
        }
        if (memory && xl && domain.state() == RunState.PAUSED) {
            // real Xen 4.17: a PV guest suspends cooperatively, so xl save of a paused one waits ~60 s and fails
            s.error(dn, name, dn + " is paused: xl save needs the guest running to acknowledge its suspend (Xen fails "
                    + "the save of a paused domain after a minute, \"guest didn't acknowledge suspend\")",
                    "unpause it first (xl unpause " + dn + "), or take a disk-only snapshot (--disk-only / memory: false)");
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
        List<String> copies = new ArrayList<>();
        Set<String> copied = new HashSet<>();
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
            if (disk.node() == null) {
                // not served by QEMU (xl: a raw disk on the kernel's blkback): only a copy taken while paused cuts it
                if (!disk.reflink()) {
                    s.error(dn, name, where + " is not served by a QEMU xsnap can reach (a raw disk on blkback, or a "
                            + "stub-domain device model), and it cannot be copied cheaply into the store (cp --reflink "
                            + "needs the disk and " + layout.root() + " on one btrfs or xfs filesystem)",
                            "exclude it (" + disk.vdev() + ": exclude), or convert it to qcow2 (qemu-img convert -O qcow2) "
                            + "and point the domain's config at the new file so Xen's QEMU serves it");
                    continue;
                }
                if (mode == DiskMode.INTERNAL) {
                    s.error(dn, name, where + " is copied, not served by QEMU; it cannot hold an internal snapshot",
                            "set " + disk.vdev() + ": external (or auto)");
                    continue;
                }
                Path copy = s.chosen(dn, disk.vdev(), disk.format());
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXTERNAL, disk.format(), disk.path(), null, copy, null));
                touches.add(copy + " (reflink copy of " + disk.path() + ", taken while " + dn + " is paused; frozen)");
                copies.add("cp --reflink=always " + disk.path() + " " + copy);
                copied.add(disk.vdev());
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
                Path overlay = s.chosen(dn, disk.vdev(), "qcow2");
                disks.add(new DiskChange(disk.vdev(), DiskChange.EXTERNAL, disk.format(), disk.path(), null, overlay, null));
                touches.add(overlay + " (new active layer; " + disk.path() + " is frozen)");
                cuts.add(disk.vdev() + " external: " + disk.path() + " frozen, new active layer " + overlay);
            }
        }
        if (s.errorCount() > errors) {
            return null;
        }
        if (!memory && cuts.isEmpty() && copies.isEmpty()) {
            s.error(dn, name, "snapshot " + name + " of " + dn + " would hold nothing: no memory and every disk excluded",
                    "include a disk or set memory: true");
            return null;
        }
        List<String> steps = new ArrayList<>();
        boolean running = domain.state() == RunState.RUNNING;
        Path dir = layout.snapshotDir(dn, name);
        boolean pauseForCopies = !copies.isEmpty() && running && !memory;
        for (DiskChange d : disks) {
            if (d.layer() != null && !copied.contains(d.vdev())) {
                steps.add("qemu-img create -f qcow2 -b " + d.image() + " -F " + d.format() + " " + d.layer());
            }
        }
        if (pauseForCopies) {
            steps.add("pause " + dn + " (raw disks are copied while it is paused)");
        }
        Path memFile = s.memoryFile != null ? s.memoryFile : layout.memory(dn, name);
        if (memory) {
            touches.add(0, memFile + " (guest memory, mode 0600" + (s.memoryFile != null
                    ? "; outside the store, removed with the snapshot)" : ")"));
            if (live && running) {
                steps.add("pause " + dn + ", cut its disks and save its memory of that instant live to "
                        + memFile + " (QEMU background snapshot: the guest runs again once its RAM "
                        + "is write-protected; where QEMU refuses that for the guest's memory, e.g. file-backed RAM, "
                        + "pre-copy: memory copied while it runs, paused at the end)");
            } else if (live) {
                steps.add("save memory to " + memFile + " (" + dn + " is paused already)");
            } else if (xl) {
                // xl save -p suspends the running guest itself at its start and leaves it paused: no pause before it
                steps.add("save memory to " + memFile + " with xl save -p (" + dn + " suspends itself "
                        + "at the start of the save and stays paused)");
            } else {
                if (running) {
                    steps.add("pause " + dn);
                }
                steps.add("save memory to " + memFile);
            }
        }
        copies.forEach(c -> steps.add("copy: " + c));
        if (!cuts.isEmpty()) {
            steps.add("cut disks in one transaction: " + String.join("; ", cuts));
        }
        if (running && (memory || pauseForCopies)) {
            steps.add("resume " + dn);
        }
        steps.add("write manifest " + dir.resolve(StoreLayout.MANIFEST));
        Impact impact = memory || pauseForCopies ? Impact.DISRUPTIVE : Impact.SAFE;
        String why = reason + (memory && !live && running ? "; pauses " + dn + " while memory is saved"
                : pauseForCopies ? "; pauses " + dn + " while its raw disks are copied" : "");
        return new Change(Action.CREATE, dn, name, impact, why, memory, memory && live, domain.state().word(),
                disks, touches, List.of(), steps, null, null, null, null, null, memory ? s.memoryFile : null);
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
        java.util.SortedSet<String> outside = new java.util.TreeSet<>();
        for (Manifest.Disk d : m.disks()) {
            Path shared = DiskChange.EXTERNAL.equals(d.mode()) && d.frozen() != null ? Path.of(d.frozen())
                    : DiskChange.INTERNAL.equals(d.mode()) ? layout.frozenCopy(m.domain(), m.name(), d.vdev()) : null;
            if (shared != null && s.index.image(shared) != null) {
                outside.addAll(s.index.outsideUsers(shared, m.domain()));
            }
        }
        if (!outside.isEmpty()) {
            List<String> clones = outside.stream().filter(u -> u.startsWith("clone ")).map(u -> u.substring(6)).toList();
            s.error(m.domain(), m.name(), "snapshot " + self + " holds the frozen state that " + String.join(", ", outside)
                    + " build" + (outside.size() == 1 ? "s" : "") + " on; deleting it is refused while they use it",
                    clones.isEmpty() ? "stop or rebase those domains first"
                    : "delete the clones first: " + String.join("; ", clones.stream().map(c -> "xsnap delete-clone " + c).toList()));
            return null;
        }
        for (Manifest.Disk d : m.disks()) {
            switch (d.mode()) {
                case DiskChange.INTERNAL -> {
                    Path copy = layout.frozenCopy(m.domain(), m.name(), d.vdev());
                    if (s.index.image(copy) != null) {
                        removes.add(copy);
                        steps.add(d.vdev() + ": remove the frozen copy " + copy + " made for clones (none uses it now)");
                    }
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
                        if (onlyHolds(s, self, image, img, d.tag())) {
                            removes.add(image);
                            steps.add(d.vdev() + ": remove " + image + ": a layer of the store that only held '" + d.tag()
                                    + "' (in no chain, backing nothing, named by no other snapshot)");
                        }
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
            Path memory = dir.resolve(m.memory().file());
            removes.add(memory);
            if (!layout.contains(memory)) {
                steps.add("remove the memory file " + memory + " (outside the store, where the snapshot's cfgfile put it)");
            }
        }
        removes.add(dir.resolve(StoreLayout.MANIFEST));
        removes.add(dir);
        removes.forEach(p -> touches.add(p + " (deleted)"));
        return new Change(Action.DELETE, m.domain(), m.name(), Impact.DESTRUCTIVE, reason, m.memory() != null,
                false, "unchanged", disks, touches, removes, steps);
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
     * ways are possible, the one that copies fewer bytes wins.
     */
    private void deleteExternal(Session s, String self, Manifest.Disk d, List<DiskChange> disks,
                                List<String> touches, List<Path> removes, List<String> steps) {
        Path frozen = Path.of(d.frozen());
        List<Path> users = s.index.usersOf(frozen);
        Set<String> others = s.index.namedByOthers(frozen, self);
        Set<String> frozenByOthers = s.index.frozenByOthers(frozen, self);
        boolean owned = layout.contains(frozen);
        ImageInfo frozenInfo = s.index.image(frozen);
        if (frozenInfo == null) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": frozen file " + frozen + " is already gone");
            return;
        }
        // the frozen file holds internal snapshots (ours or made by hand): it stays, whichever way it leaves the chain
        List<String> frozenTags = frozenInfo.snapshots().stream().map(t -> t.name()).toList();
        boolean removable = owned && others.isEmpty() && frozenTags.isEmpty();
        if (!frozenByOthers.isEmpty() || !owned && users.isEmpty()) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (" + (frozenByOthers.isEmpty() ? "not in the store"
                    : "also named by " + String.join(", ", frozenByOthers)) + ")");
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
            if (removable) {
                removes.add(frozen);
                steps.add(d.vdev() + ": " + frozen + " is no image's backing file any more");
            } else {
                steps.add(d.vdev() + ": keep " + frozen + " (it holds internal snapshots: " + String.join(", ",
                        quoted(frozenTags)) + ")");
            }
            return;
        }
        Path above = users.get(0);
        if (s.index.usersOf(above).size() > 1 || s.index.chainHolders(above) > 1) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (" + above + " above it is shared by several chains)");
            return;
        }
        ImageInfo aboveInfo = s.index.image(above);
        List<String> aboveTags = aboveInfo == null ? List.of() : aboveInfo.snapshots().stream().map(t -> t.name()).toList();
        if (!aboveTags.isEmpty()) {
            // a commit would remove them with the layer, a stream would change what they read (invariant 10)
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " in the chain: " + above + " above it holds internal snapshots ("
                    + String.join(", ", quoted(aboveTags)) + ") that a commit would remove and a stream would change");
            return;
        }
        boolean aboveOwned = layout.contains(above) && s.index.namedByOthers(above, self).isEmpty();
        if (!owned && !aboveOwned) {
            disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, null, DiskChange.Merge.NONE));
            steps.add(d.vdev() + ": keep " + frozen + " (not in the store, and " + above + " must stay)");
            return;
        }
        long commitCost = s.commitCost(above);
        long streamCost = s.streamCost(frozen, above);
        DiskChange.Merge merge = !aboveOwned ? DiskChange.Merge.STREAM
                : !owned || !removable ? DiskChange.Merge.COMMIT
                : streamCost < commitCost ? DiskChange.Merge.STREAM : DiskChange.Merge.COMMIT;
        boolean measured = aboveInfo != null && aboveInfo.allocatedBytes() >= 0 && aboveInfo.backingVisibleBytes() >= 0;
        String why = removable && aboveOwned && measured ? " (copies " + mib(Math.min(commitCost, streamCost))
                + "; the other way " + mib(Math.max(commitCost, streamCost)) + ")" : "";
        disks.add(new DiskChange(d.vdev(), DiskChange.EXTERNAL, d.format(), frozen, null, above, merge));
        if (merge == DiskChange.Merge.COMMIT) {
            touches.add(frozen + " (receives the data of " + above + ")");
            removes.add(above);
            steps.add("commit " + above + " into " + frozen + (s.index.holder(above) != null ? " (live block-commit)" : "")
                    + why);
        } else {
            touches.add(above + " (receives the data of " + frozen + "; guest-visible content unchanged)");
            if (removable) {
                removes.add(frozen);
            }
            steps.add("stream " + frozen + " into " + above + (s.index.holder(above) != null ? " (live block-stream)" : "")
                    + why + (removable ? "" : "; " + frozen + " stays, backing nothing, for the internal snapshots in it"));
        }
    }

    /**
     * Whether {@code image} is a layer of the store kept only for the internal snapshot {@code tag} of {@code self}
     * (a revert left it out of the chain because the tag was in it): no other tag, in no chain, backing nothing, named
     * by no other snapshot, no clone's overlay. Deleting the snapshot removes it, or it would stay forever.
     */
    private boolean onlyHolds(Session s, String self, Path image, ImageInfo img, String tag) {
        String domain = self.substring(0, self.indexOf('/'));
        return image.startsWith(layout.layersDir(domain)) && img.snapshots().stream().allMatch(t -> tag.equals(t.name()))
                && s.index.chainHolders(image) == 0 && s.index.usersOf(image).isEmpty()
                && s.index.namedByOthers(image, self).isEmpty() && s.actual.clones().stream()
                .flatMap(c -> c.disks().stream()).noneMatch(c -> image.toString().equals(c.overlay()));
    }

    private static List<String> quoted(List<String> tags) {
        return tags.stream().map(t -> "'" + t + "'").toList();
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
                    + "disk write since it was last snapshotted", "add --force (Ansible: force: true) to revert anyway, or take a snapshot first");
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

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
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
        final Map<String, Path> chosenLayers = new java.util.HashMap<>();
        /** The imperative create's memory file outside the store, or null (memory.save in the store). */
        Path memoryFile;
        /** The errors among the first {@link #counted} findings. */
        private int errors;
        private int counted;
        /** The domains a DomainClone spec says should exist. */
        final Set<String> clones = new HashSet<>();
        /** The DomainSnapshots specs, by domain. */
        final Map<String, DomainSpec> specs = new java.util.HashMap<>();

        Session(Actual actual) {
            this.actual = actual;
            this.index = new HostIndex(actual, layout);
            actual.images().forEach(i -> takenLayers.add(i.path()));
        }

        final Map<StoredSnapshot, String> pruneReasons = new java.util.HashMap<>();

        /** Adds a change, and lets the changes planned after it see what it leaves behind. */
        void add(Change c) {
            if (c != null) {
                changes.add(c);
                if (c.action() == Action.CLONE) {
                    c.disks().forEach(d -> takenLayers.add(d.layer()));
                }
                if (c.action() != Action.DELETE) {
                    index.planned(c);
                }
            }
        }

        void error(String domain, String snapshot, String message, String fix) {
            findings.add(new Finding(Finding.Kind.ERROR, domain, snapshot, message, fix));
        }

        /**
         * The errors found so far. Counted as findings are added (some come from {@link ClonePlanner} straight
         * into {@link #findings}), each finding looked at once, so asking after every change stays linear.
         */
        int errorCount() {
            for (; counted < findings.size(); counted++) {
                if (findings.get(counted).kind() == Finding.Kind.ERROR) {
                    errors++;
                }
            }
            return errors;
        }

        /** {@code <store>/<domain>/layers/<vdev>.<n>.qcow2} with the lowest n not observed or handed out. */
        Path nextLayer(String domain, String vdev) {
            return nextLayer(domain, vdev, "qcow2");
        }

        /** The file the caller chose for this disk's external cut, else the store's next layer. */
        Path chosen(String domain, String vdev, String extension) {
            Path p = chosenLayers.get(vdev);
            return p != null ? p.toAbsolutePath().normalize() : nextLayer(domain, vdev, extension);
        }

        /** The same with another extension: {@code <vdev>.<n>.raw} for a raw disk's reflink copy. */
        Path nextLayer(String domain, String vdev, String extension) {
            for (int n = 1; ; n++) {
                Path p = layout.layersDir(domain).resolve(vdev + "." + n + "." + extension);
                if (takenLayers.add(p)) {
                    return p;
                }
            }
        }

        /** What committing {@code above} into its backing file copies: its data, else (not read) its file size. */
        long commitCost(Path above) {
            ImageInfo i = index.image(above);
            return i == null ? Long.MAX_VALUE : i.allocatedBytes() >= 0 ? i.allocatedBytes() : i.fileSize();
        }

        /**
         * What streaming {@code frozen} into {@code above} copies: the data of frozen that shows through above,
         * else (not read) frozen's file size.
         */
        long streamCost(Path frozen, Path above) {
            ImageInfo a = index.image(above);
            if (a != null && a.backingVisibleBytes() >= 0) {
                return a.backingVisibleBytes();
            }
            ImageInfo f = index.image(frozen);
            return f == null ? Long.MAX_VALUE : f.fileSize();
        }

        void noteUnmanaged(DomainInfo domain) {
            TreeMap<String, String> unmanaged = new TreeMap<>();
            for (DiskInfo disk : sortedDisks(domain)) {
                for (ImageInfo img : index.chain(disk)) {
                    for (InternalSnapshot sn : img.snapshots()) {
                        if (!index.managed(img.path(), sn.name())) {
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
            // already in apply order: domains sorted, and per domain revert, creates, deletes
            List<Change> ordered = new ArrayList<>(changes);
            return new Plan(Plan.FORMAT_VERSION, now, actual.driver(), ordered, findings);
        }
    }
}
