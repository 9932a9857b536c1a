package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.ImageGraph;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Lookups over one {@link Actual}, built once per plan so planning stays linear in the host's size. */
final class HostIndex {
    private final ImageGraph graph;
    private final Map<String, Map<String, StoredSnapshot>> snapshots = new HashMap<>();
    /** Every file a manifest names, with the manifests ("domain/snapshot") that name it. */
    private final Map<Path, Set<String>> namedBy = new HashMap<>();
    /** Per file, the snapshots that name it as their frozen file (not as the image holding a tag). */
    private final Map<Path, Set<String>> frozenBy = new HashMap<>();
    /** Every clone overlay, with the clone that owns it. */
    private final Map<Path, String> cloneOverlays = new HashMap<>();
    private final Actual actual;
    /** Where planned clones' frozen copies go; null when nothing planned is a clone (recovery). */
    private final io.xsnap.observe.StoreLayout layout;
    /** The internal snapshot tags manifests name, by image (as the manifests spell the image's path). */
    private final Map<String, Set<String>> managedTags = new HashMap<>();

    HostIndex(Actual actual) {
        this(actual, null);
    }

    HostIndex(Actual actual, io.xsnap.observe.StoreLayout layout) {
        this.actual = actual;
        this.layout = layout;
        graph = new ImageGraph(actual);
        for (io.xsnap.observe.CloneRecord c : actual.clones()) {
            c.disks().forEach(d -> cloneOverlays.put(Path.of(d.overlay()), c.domain()));
        }
        for (StoredSnapshot s : actual.snapshots()) {
            snapshots.computeIfAbsent(s.domain(), k -> new HashMap<>()).put(s.name(), s);
            String label = s.domain() + "/" + s.name();
            for (Manifest.Disk d : s.manifest().disks()) {
                for (String f : new String[] {d.image(), d.frozen()}) {
                    if (f != null) {
                        named(Path.of(f), label);
                    }
                }
                if (d.image() != null && d.tag() != null) {
                    managedTags.computeIfAbsent(d.image(), k -> new HashSet<>()).add(d.tag());
                }
                if (d.frozen() != null) {
                    frozenBy.computeIfAbsent(Path.of(d.frozen()), k -> new LinkedHashSet<>()).add(label);
                }
            }
        }
    }

    /** The snapshots other than {@code except} whose frozen file is {@code path}. */
    Set<String> frozenByOthers(Path path, String except) {
        Set<String> s = new LinkedHashSet<>(frozenBy.getOrDefault(path, Set.of()));
        s.remove(except);
        return s;
    }

    DomainInfo domain(String name) {
        return graph.domain(name);
    }

    ImageInfo image(Path path) {
        return graph.image(path);
    }

    StoredSnapshot snapshot(String domain, String name) {
        return snapshots.getOrDefault(domain, Map.of()).get(name);
    }

    /** Whether the store holds any snapshot of {@code domain}. */
    boolean hasSnapshots(String domain) {
        return !snapshots.getOrDefault(domain, Map.of()).isEmpty();
    }

    /**
     * Records what a planned create or revert leaves behind, so the changes planned after it see it:
     * internal tags in their images, new active layers on the frozen files, the domain's new disk paths,
     * and the files the new snapshot names.
     */
    void planned(Change c) {
        if (c instanceof Change.Clone clone) {
            plannedClone(clone);
            return;
        }
        if (c.action() == Action.DELETE_CLONE) {
            c.removes().forEach(graph::remove);
            cloneOverlays.values().removeIf(c.domain()::equals);
            graph.removeDomain(c.domain());
            return;
        }
        DomainInfo d = graph.domain(c.domain());
        List<DiskInfo> disks = new java.util.ArrayList<>(d == null ? List.of() : d.disks());
        for (DiskChange dc : c.disks()) {
            plannedDisk(c, dc, disks);
        }
        if (d != null) {
            RunState state = c instanceof Change.Revert revert ? revert.after() : d.state();
            graph.putDomain(new DomainInfo(d.name(), d.driver(), d.id(), state, disks));
        }
    }

    /** What a planned create or revert leaves on one disk; {@code disks} (the domain's) gets its new top. */
    private void plannedDisk(Change c, DiskChange dc, List<DiskInfo> disks) {
        if (dc.mode() == CutMode.INTERNAL && c.action() == Action.CREATE) {
            ImageInfo img = graph.image(dc.image());
            if (img != null) {
                List<InternalSnapshot> tags = new java.util.ArrayList<>(img.snapshots());
                tags.add(new InternalSnapshot("planned", dc.tag(), 0, 0, 0, 0, img.virtualSize(), -1));
                graph.put(img.withSnapshots(tags));
            }
            named(dc.image(), c.address());
            managedTags.computeIfAbsent(dc.image().toString(), k -> new HashSet<>()).add(dc.tag());
        }
        if (dc.reflinkCopy() && c.action() == Action.CREATE) {
            // a raw disk QEMU does not serve: the copy is the frozen file, standalone; the domain stays on its disk
            ImageInfo disk = graph.image(dc.image());
            long size = disk == null ? 0 : disk.virtualSize();
            graph.put(new ImageInfo(dc.layer(), "raw", size, 0, 0, null, null, null, null, false, false, List.of(), size));
            named(dc.layer(), c.address());
            return;
        }
        Path top = dc.mode().external() ? dc.layer()
                : dc.mode() == CutMode.INTERNAL && c.action() == Action.REVERT ? dc.image() : null;
        if (top == null) {
            return;
        }
        if (dc.mode().external()) {
            ImageInfo base = graph.image(dc.image());
            graph.put(new ImageInfo(top, "qcow2", base == null ? 0 : base.virtualSize(), 3, 65536, dc.image().toString(),
                    dc.image(), dc.format(), null, false, false, List.of(), 0));
            if (c.action() == Action.CREATE) {
                named(dc.image(), c.address());
            }
        }
        for (int i = 0; i < disks.size(); i++) {
            DiskInfo old = disks.get(i);
            if (old.vdev().equals(dc.vdev())) {
                disks.set(i, new DiskInfo(old.vdev(), top, dc.mode().external() ? "qcow2" : dc.format(),
                        old.node(), old.readOnly()));
            }
        }
    }

    /**
     * A clone's overlays over the source's frozen files, and, when the clone is started, the clone as a domain on
     * them (disks served as the source's are), so the clone's own snapshots can be planned in the same plan.
     */
    private void plannedClone(Change.Clone c) {
        SnapshotRef src = c.source();
        DomainInfo source = graph.domain(src.domain());
        List<DiskInfo> disks = new java.util.ArrayList<>();
        for (DiskChange dc : c.disks()) {
            boolean internal = dc.mode() == CutMode.INTERNAL;
            Path base = internal ? layout.frozenCopy(src.domain(), src.snapshot(), dc.vdev()) : dc.image();
            ImageInfo below = graph.image(internal ? dc.image() : base);
            long size = below == null ? 0 : below.virtualSize();
            DiskInfo was = source == null ? null : source.disk(dc.vdev());
            cloneOverlays.put(dc.layer(), c.domain());
            if (dc.reflinkCopy()) {
                // a raw copy of its own, served as the source's raw disk is (xl: blkback)
                graph.put(new ImageInfo(dc.layer(), "raw", size, 0, 0, null, null, null, null, false, false, List.of(), size));
                disks.add(new DiskInfo(dc.vdev(), dc.layer(), "raw", null, false, was == null || was.reflink()));
                continue;
            }
            graph.put(new ImageInfo(dc.layer(), "qcow2", size, 3, 65536, base.toString(), base,
                    internal ? "qcow2" : dc.format(), null, false, false, List.of(), 0));
            disks.add(new DiskInfo(dc.vdev(), dc.layer(), "qcow2", was == null || was.node() == null ? dc.vdev() + "-qcow2"
                    : was.node(), false));
        }
        if (c.start() != RunState.SHUTOFF) {
            graph.putDomain(new DomainInfo(c.domain(), actual.driver(), -1, c.start(), disks));
        }
    }

    private void named(Path file, String snapshot) {
        namedBy.computeIfAbsent(file, k -> new LinkedHashSet<>()).add(snapshot);
    }

    /** Images whose backing file is {@code path}, sorted. */
    List<Path> usersOf(Path path) {
        return graph.usersOf(path);
    }

    /** The manifests ("domain/snapshot") that name {@code path}, other than {@code except}. */
    Set<String> namedByOthers(Path path, String except) {
        Set<String> s = new LinkedHashSet<>(namedBy.getOrDefault(path, Set.of()));
        s.remove(except);
        return s;
    }

    /** True when some manifest names the internal snapshot {@code tag} of {@code image}. */
    boolean managed(Path image, String tag) {
        Set<String> tags = managedTags.get(image.toString());
        return tags != null && tags.contains(tag);
    }

    /** The observed images of a disk's chain, top first. */
    List<ImageInfo> chain(DiskInfo disk) {
        return graph.chain(disk.path()).stream().map(graph::image).filter(java.util.Objects::nonNull).toList();
    }

    /** The first domain (by name) whose disk has {@code path} in its active chain, with that disk, or null. */
    Map.Entry<DomainInfo, DiskInfo> holder(Path path) {
        List<Map.Entry<DomainInfo, DiskInfo>> all = graph.holders(path);
        return all.isEmpty() ? null : all.get(0);
    }

    /** The clone record of {@code domain}, or null. */
    io.xsnap.observe.CloneRecord cloneOf(String domain) {
        return actual.clone(domain);
    }

    /**
     * Who outside {@code domain} builds on {@code file}: every image above it (transitively) that is a clone's
     * overlay or lies in the active chain of another domain, named "clone NAME" or "domain NAME", sorted.
     */
    java.util.SortedSet<String> outsideUsers(Path file, String domain) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        java.util.Deque<Path> todo = new java.util.ArrayDeque<>(List.of(file));
        Set<Path> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            Path p = todo.poll();
            if (!seen.add(p)) {
                continue;
            }
            String clone = cloneOverlays.get(p);
            if (clone != null && !clone.equals(domain)) {
                out.add("clone " + clone);
            }
            for (Map.Entry<DomainInfo, DiskInfo> h : graph.holders(p)) {
                if (!h.getKey().name().equals(domain) && !out.contains("clone " + h.getKey().name())) {
                    out.add("domain " + h.getKey().name());
                }
            }
            todo.addAll(graph.usersOf(p));
        }
        out.removeIf(u -> u.startsWith("domain ") && out.contains("clone " + u.substring("domain ".length())));
        return out;
    }

    /** How many domain disks have {@code path} in their active chain. */
    int chainHolders(Path path) {
        return graph.holders(path).size();
    }
}
