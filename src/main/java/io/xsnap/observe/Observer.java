package io.xsnap.observe;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.image.Allocation;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.SnapshotStore.Contents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Builds {@link Actual} afresh: the driver's domains, the graph of every image reachable from their disks,
 * from the store's layers and from the manifests, and the store's snapshots. Never changes anything.
 */
public final class Observer {
    private static final String DISK_INTERNAL = "internal";
    private final DomainDriver driver;
    private final ImageProbe probe;
    private final SnapshotStore store;

    public Observer(DomainDriver driver, ImageProbe probe, SnapshotStore store) {
        this.driver = driver;
        this.probe = probe;
        this.store = store;
    }

    /**
     * Observes in rounds so that no record of the store steers a read (invariant 8): first the chains of the
     * domains' disks (the only files outside the store a record may name), then the store's own layers; then each manifest and clone record is checked against the store
     * and those chains ({@link StorePaths}), and only the files of the records that pass are read. A record that
     * fails is {@link Damaged}: listed, acted on by nothing.
     */
    public Actual observe() {
        List<DomainInfo> domains = driver.list();
        Contents contents = store.read();
        List<String> problems = new ArrayList<>(contents.problems());
        List<Damaged> damaged = new ArrayList<>(contents.damaged());
        Map<Path, String> roots = new java.util.LinkedHashMap<>();
        for (DomainInfo d : domains) {
            for (DiskInfo disk : d.disks()) {
                roots.putIfAbsent(disk.path(), disk.format());
            }
        }
        Map<Path, ImageInfo> seen = new HashMap<>();
        java.util.Set<Path> tried = new java.util.HashSet<>();
        readGraph(roots, problems, seen, tried);
        // the domains' chains vouch for files outside the store; a layer file of the store does not
        Map<String, List<Path>> anchored = anchored(domains, contents, problems);
        Map<String, List<Path>> made = driver.trustedState() == null ? Map.of()
                : driver.trustedState().layers(problems::add);
        StorePaths trust = new StorePaths(store.layout(), java.util.Set.copyOf(seen.keySet()),
                domains.stream().map(DomainInfo::name).toList(), anchored, made);
        Path storeRoot = store.layout().root();
        Map<Path, String> layers = new java.util.LinkedHashMap<>();
        for (Path layer : layers(storeRoot, problems)) {
            layers.putIfAbsent(layer, "qcow2");
        }
        readGraph(layers, problems, seen, tried);

        List<Manifest> manifests = new ArrayList<>();
        for (Manifest m : contents.manifests()) {
            Path file = store.layout().manifest(m.domain(), m.name());
            try {
                StoreRecords.manifest(trust, m, file, driver.trustedState());
                manifests.add(m);
            } catch (StorePaths.DamagedRecord e) {
                damaged.add(new Damaged(m.domain(), m.name(), file.toString(), e.what()));
                problems.add(e.getMessage());
            }
        }
        List<CloneRecord> clones = new ArrayList<>();
        for (CloneRecord c : contents.clones()) {
            Path file = store.layout().cloneRecord(c.domain());
            try {
                StoreRecords.clone(trust, c, file, driver.trustedState());
                clones.add(c);
            } catch (StorePaths.DamagedRecord e) {
                damaged.add(new Damaged(c.domain(), null, file.toString(), e.what()));
                problems.add(e.getMessage());
            }
        }
        Map<Path, String> more = new java.util.LinkedHashMap<>();
        for (Manifest m : manifests) {
            for (Manifest.Disk disk : m.disks()) {
                addRoot(more, disk.image(), disk.format());
                addRoot(more, disk.frozen(), disk.format());
                addRoot(more, disk.overlay(), "qcow2");
            }
        }
        for (CloneRecord c : clones) {
            for (CloneRecord.Disk disk : c.disks()) {
                addRoot(more, disk.overlay(), disk.reflinkCopy() ? "raw" : "qcow2");
            }
        }
        for (Manifest m : manifests) {
            for (Manifest.Disk disk : m.disks()) {
                Path copy = store.layout().frozenCopy(m.domain(), m.name(), disk.vdev());
                if (DISK_INTERNAL.equals(disk.mode()) && Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
                    more.putIfAbsent(copy, "qcow2");
                }
            }
        }
        readGraph(more, problems, seen, tried);
        List<ImageInfo> images = withMergeCosts(seen.values().stream().sorted(Comparator.comparing(ImageInfo::path))
                .toList(), storeRoot, problems);
        List<StoredSnapshot> snapshots = new ArrayList<>();
        for (Manifest m : manifests) {
            snapshots.add(new StoredSnapshot(m, memorySize(m)));
        }
        damaged.sort(Comparator.comparing(Damaged::domain).thenComparing(d -> d.snapshot() == null ? "" : d.snapshot()));
        return new Actual(driver.name(), domains, images, snapshots, contents.incomplete(), problems,
                contents.appliedReverts(), clones, damaged, anchored, made);
    }

    /**
     * The chains the driver recorded in its own trusted state when xsnap stopped a domain, for each domain the store
     * has records of and the driver does not report. A damaged trusted state is a problem, and vouches for nothing.
     */
    private Map<String, List<Path>> anchored(List<DomainInfo> domains, Contents contents, List<String> problems) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        contents.manifests().forEach(m -> names.add(m.domain()));
        contents.clones().forEach(c -> {
            names.add(c.domain());
            names.add(c.sourceDomain());
        });
        domains.forEach(d -> names.remove(d.name()));
        Map<String, List<Path>> out = new java.util.LinkedHashMap<>();
        for (String name : names) {
            if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                continue;
            }
            try {
                driver.anchor(name).ifPresent(a -> out.put(name, a.files()));
            } catch (HostException e) {
                problems.add(e.getMessage());
            }
        }
        return out;
    }

    private long memorySize(Manifest m) {
        if (m.memory() == null) {
            return 0;
        }
        Path f = store.layout().snapshotDir(m.domain(), m.name()).resolve(m.memory().file());
        try {
            return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Files.size(f) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static void addRoot(Map<Path, String> roots, String file, String format) {
        if (file != null) {
            roots.putIfAbsent(Path.of(file), format);
        }
    }

    /** Reads every root not read yet and follows backing files; each file is read once. */
    private void readGraph(Map<Path, String> roots, List<String> problems, Map<Path, ImageInfo> seen,
                           java.util.Set<Path> tried) {
        Deque<Map.Entry<Path, String>> todo = new ArrayDeque<>(roots.entrySet());
        while (!todo.isEmpty()) {
            Map.Entry<Path, String> next = todo.poll();
            Path path = next.getKey();
            if (!tried.add(path)) {
                continue;
            }
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                ImageInfo info = normalized(probe.read(path, next.getValue().isEmpty() ? null : next.getValue()));
                seen.put(path, info);
                if (info.backingPath() != null) {
                    if (Files.exists(info.backingPath())) {
                        todo.add(Map.entry(info.backingPath(), info.backingFormat() == null ? "" : info.backingFormat()));
                    } else {
                        problems.add(path + ": backing file " + info.backingFile() + " is missing");
                    }
                }
            } catch (HostException e) {
                problems.add(e.getMessage());
            }
        }
    }

    /**
     * For each qcow2 layer in the store that has a backing file: the data it holds and the data of its backing
     * file that shows through it, read from their cluster tables. Deleting an external snapshot merges such
     * a pair one way or the other; these are the bytes each way copies. Files outside the store are never
     * xsnap's to merge, and are not read beyond their headers.
     */
    private List<ImageInfo> withMergeCosts(List<ImageInfo> images, Path storeRoot, List<String> problems) {
        Map<Path, ImageInfo> byPath = new HashMap<>();
        images.forEach(i -> byPath.put(i.path(), i));
        // a layer is read once, though it is asked about as itself and as the backing file of the layer above
        Map<Path, Optional<Allocation>> read = new HashMap<>();
        List<ImageInfo> out = new ArrayList<>(images.size());
        for (ImageInfo i : images) {
            ImageInfo backing = i.backingPath() == null ? null : byPath.get(i.backingPath());
            if (!"qcow2".equals(i.format()) || backing == null || !inStore(i.path(), storeRoot)) {
                out.add(i);
                continue;
            }
            try {
                Allocation above = allocation(read, i.path());
                if (above == null) {
                    out.add(i);
                    continue;
                }
                long visible = -1;
                if ("raw".equals(backing.format())) {
                    visible = Allocation.visibleBytesOfRaw(backing.virtualSize(), above);
                } else if (inStore(backing.path(), storeRoot)) {
                    // a backing file outside the store is never merged by streaming (the planner commits into it)
                    Allocation below = allocation(read, backing.path());
                    visible = below == null ? -1 : Allocation.visibleBytes(below, above);
                }
                out.add(i.withMergeCosts(above.dataBytes(), visible));
            } catch (HostException e) {
                problems.add(e.getMessage());
                out.add(i);
            }
        }
        return out;
    }

    private Allocation allocation(Map<Path, Optional<Allocation>> read, Path image) {
        Optional<Allocation> known = read.get(image);
        if (known == null) {
            known = Optional.ofNullable(probe.allocation(image));
            read.put(image, known);
        }
        return known.orElse(null);
    }

    private static boolean inStore(Path image, Path storeRoot) {
        return image.toAbsolutePath().normalize().startsWith(storeRoot);
    }

    /** The graph compares paths: resolve "dir/../base" the way the file system would find it. */
    private static ImageInfo normalized(ImageInfo i) {
        if (i.backingPath() == null || i.backingPath().equals(i.backingPath().normalize())) {
            return i;
        }
        return i.withBackingPath(i.backingPath().normalize());
    }

    private static List<Path> layers(Path root, List<String> problems) {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> domains = Files.list(root)) {
            List<Path> out = new ArrayList<>();
            for (Path d : domains.sorted().toList()) {
                Path layers = d.resolve(StoreLayout.LAYERS);
                if (Files.isDirectory(layers, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> files = Files.list(layers)) {
                        files.filter(f -> f.getFileName().toString().endsWith(".qcow2"))
                                .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(out::add);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            problems.add(root + ": cannot list: " + e.getMessage());
            return List.of();
        }
    }
}
