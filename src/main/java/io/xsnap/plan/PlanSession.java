package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Damaged;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.DomainSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * State of one planning run, shared by the planners of each concern: the index, the changes and findings so far,
 * the layer names handed out. Each change is planned against the state the changes before it leave.
 */
final class PlanSession {
    final StoreLayout layout;
    final Instant now;
    final HostIndex index;
    final Actual actual;
    final List<Change> changes = new ArrayList<>();
    final List<Finding> findings = new ArrayList<>();
    final Set<Path> takenLayers = new HashSet<>();
    final Map<String, Path> chosenLayers = new HashMap<>();
    /** The imperative create's memory file outside the store, or null (memory.save in the store). */
    Path memoryFile;
    /** The errors among the first {@link #counted} findings. */
    private int errors;
    private int counted;
    /** The domains a DomainClone spec says should exist. */
    final Set<String> clones = new HashSet<>();
    /** The DomainSnapshots specs, by domain. */
    final Map<String, DomainSpec> specs = new HashMap<>();
    final Map<StoredSnapshot, String> pruneReasons = new HashMap<>();

    PlanSession(StoreLayout layout, Instant now, Actual actual) {
        this.layout = layout;
        this.now = now;
        this.actual = actual;
        this.index = new HostIndex(actual, layout);
        actual.images().forEach(i -> takenLayers.add(i.path()));
    }

    /** What the driver of the observed host can do (its checks and steps differ by driver). */
    io.xsnap.host.DriverCapabilities can() {
        return actual.capabilities();
    }

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
        error(Finding.Code.BLOCKED, domain, snapshot, message, fix);
    }

    void error(Finding.Code code, String domain, String snapshot, String message, String fix) {
        findings.add(new Finding(code, domain, snapshot, message, fix));
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

    /**
     * Whether the store's record of {@code domain/name} is damaged (invariant 8); if so the error names the record
     * and what is wrong, and nothing is planned for it.
     */
    boolean damaged(String domain, String name) {
        Damaged d = actual.damaged(domain, name);
        if (d == null) {
            return false;
        }
        error(Finding.Code.DAMAGED_RECORD, domain, name, "snapshot " + d.address() + " is not touched: " + d.file() + " is damaged: " + d.why(),
                "repair or move away " + d.file() + " by hand (see \"A damaged store\" in the README)");
        return true;
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

    static List<DiskInfo> sortedDisks(DomainInfo d) {
        return d.disks().stream().sorted(java.util.Comparator.comparing(DiskInfo::vdev)).toList();
    }

    static String joinPaths(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
