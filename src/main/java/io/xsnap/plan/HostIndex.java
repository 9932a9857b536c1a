package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageGraph;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Lookups over one {@link Actual}, built once per plan so planning stays linear in the host's size. */
final class HostIndex {
    private final Map<String, DomainInfo> domains = new HashMap<>();
    private final ImageGraph graph;
    private final Map<String, Map<String, StoredSnapshot>> snapshots = new HashMap<>();
    /** Every file a manifest names, with the manifests ("domain/snapshot") that name it. */
    private final Map<Path, Set<String>> namedBy = new HashMap<>();

    HostIndex(Actual actual) {
        actual.domains().forEach(d -> domains.put(d.name(), d));
        graph = new ImageGraph(actual);
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
        return graph.image(path);
    }

    StoredSnapshot snapshot(String domain, String name) {
        return snapshots.getOrDefault(domain, Map.of()).get(name);
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

    /** The observed images of a disk's chain, top first. */
    List<ImageInfo> chain(DiskInfo disk) {
        return graph.chain(disk.path()).stream().map(graph::image).filter(java.util.Objects::nonNull).toList();
    }

    /** The first domain (by name) whose disk has {@code path} in its active chain, with that disk, or null. */
    Map.Entry<DomainInfo, DiskInfo> holder(Path path) {
        List<Map.Entry<DomainInfo, DiskInfo>> all = graph.holders(path);
        return all.isEmpty() ? null : all.get(0);
    }

    /** How many domain disks have {@code path} in their active chain. */
    int chainHolders(Path path) {
        return graph.holders(path).size();
    }
}
