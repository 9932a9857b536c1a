package io.xsnap.observe;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which file backs which, over one observation: chains, users of a file, and the domains holding it. */
public final class ImageGraph {
    private final List<DomainInfo> domains;
    private final Map<Path, ImageInfo> images = new HashMap<>();
    private final Map<Path, List<Path>> usersOf = new HashMap<>();

    public ImageGraph(Actual actual) {
        this.domains = actual.domains().stream().sorted(Comparator.comparing(DomainInfo::name)).toList();
        for (ImageInfo i : actual.images()) {
            images.put(i.path(), i);
            if (i.backingPath() != null) {
                usersOf.computeIfAbsent(i.backingPath(), k -> new ArrayList<>()).add(i.path());
            }
        }
        usersOf.values().forEach(l -> l.sort(null));
    }

    public ImageInfo image(Path path) {
        return images.get(path);
    }

    /** Images whose backing file is {@code path}, sorted. */
    public List<Path> usersOf(Path path) {
        return usersOf.getOrDefault(path, List.of());
    }

    /** The files of the chain from {@code top} down, as far as they were observed (top first). */
    public List<Path> chain(Path top) {
        List<Path> chain = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path p = top; p != null && seen.add(p); ) {
            chain.add(p);
            ImageInfo i = images.get(p);
            p = i == null ? null : i.backingPath();
        }
        return chain;
    }

    /** Every (active domain, disk) whose chain contains {@code path}, by domain name. */
    public List<Map.Entry<DomainInfo, DiskInfo>> holders(Path path) {
        List<Map.Entry<DomainInfo, DiskInfo>> out = new ArrayList<>();
        for (DomainInfo d : domains) {
            for (DiskInfo disk : d.disks()) {
                if (chain(disk.path()).contains(path)) {
                    out.add(Map.entry(d, disk));
                }
            }
        }
        return out;
    }
}
