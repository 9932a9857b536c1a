package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Lookups over one {@link Actual}, built once per plan so planning stays linear in the host's size. */
final class HostIndex {
    private final Map<String, DomainInfo> domains = new HashMap<>();
    private final Map<Path, ImageInfo> images = new HashMap<>();
    private final Map<Path, List<Path>> usersOf = new HashMap<>();
    private final Map<String, Map<String, StoredSnapshot>> snapshots = new HashMap<>();
    /** Every file a manifest names, with the manifests ("domain/snapshot") that name it. */
    private final Map<Path, Set<String>> namedBy = new HashMap<>();

    HostIndex(Actual actual) {
        actual.domains().forEach(d -> domains.put(d.name(), d));
        for (ImageInfo i : actual.images()) {
            images.put(i.path(), i);
            if (i.backingPath() != null) {
                usersOf.computeIfAbsent(i.backingPath(), k -> new ArrayList<>()).add(i.path());
            }
        }
        usersOf.values().forEach(l -> l.sort(null));
        for (StoredSnapshot s : actual.snapshots()) {
            snapshots.computeIfAbsent(s.domain(), k -> new HashMap<>()).put(s.name(), s);
            for (Manifest.Disk d : s.manifest().disks()) {
                for (String f : new String[] {d.image(), d.frozen()}) {
                    if (f != null) {
                        namedBy.computeIfAbsent(Path.of(f), k -> new LinkedHashSet<>())
                                .add(s.domain() + "/" + s.name());
                    }
                }
            }
        }
    }

    DomainInfo domain(String name) {
        return domains.get(name);
    }

    ImageInfo image(Path path) {
        return images.get(path);
    }

    StoredSnapshot snapshot(String domain, String name) {
        return snapshots.getOrDefault(domain, Map.of()).get(name);
    }

    /** Images whose backing file is {@code path}, sorted. */
    List<Path> usersOf(Path path) {
        return usersOf.getOrDefault(path, List.of());
    }

    /** The manifests ("domain/snapshot") that name {@code path}, other than {@code except}. */
    Set<String> namedByOthers(Path path, String except) {
        Set<String> s = new LinkedHashSet<>(namedBy.getOrDefault(path, Set.of()));
        s.remove(except);
        return s;
    }

    /** The chain of a disk, top first, as far as the images were observed. */
    List<ImageInfo> chain(DiskInfo disk) {
        List<ImageInfo> chain = new ArrayList<>();
        Set<Path> seen = new java.util.HashSet<>();
        Path p = disk.path();
        while (p != null && seen.add(p)) {
            ImageInfo i = images.get(p);
            if (i == null) {
                break;
            }
            chain.add(i);
            p = i.backingPath();
        }
        return chain;
    }

    /** Paths of all images in any domain's active chain. */
    Set<Path> activeChainFiles() {
        Set<Path> s = new java.util.HashSet<>();
        for (DomainInfo d : domains.values()) {
            for (DiskInfo disk : d.disks()) {
                chain(disk).forEach(i -> s.add(i.path()));
                s.add(disk.path());
            }
        }
        return s;
    }

    /** The domain whose disk has {@code path} in its active chain, with that disk, or null. */
    Map.Entry<DomainInfo, DiskInfo> holder(Path path) {
        List<Map.Entry<DomainInfo, DiskInfo>> all = holders(path);
        return all.isEmpty() ? null : all.get(0);
    }

    /** How many domain disks have {@code path} in their active chain. */
    int chainHolders(Path path) {
        return holders(path).size();
    }

    private List<Map.Entry<DomainInfo, DiskInfo>> holders(Path path) {
        List<Map.Entry<DomainInfo, DiskInfo>> out = new ArrayList<>();
        for (DomainInfo d : domains.values().stream().sorted(java.util.Comparator.comparing(DomainInfo::name)).toList()) {
            for (DiskInfo disk : d.disks()) {
                if (disk.path().equals(path) || chain(disk).stream().anyMatch(i -> i.path().equals(path))) {
                    out.add(Map.entry(d, disk));
                }
            }
        }
        return out;
    }
}
