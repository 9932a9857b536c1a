package io.xsnap.observe;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which file backs which, over one observation: chains, users of a file, and the domains holding it.
 * The planner updates a graph with the predicted effect of the changes it has planned so far
 * ({@link #put}, {@link #putDomain}), so later changes of the same plan are made against that state.
 */
public final class ImageGraph {
    private final Map<String, DomainInfo> domains = new java.util.TreeMap<>();
    private final Map<Path, ImageInfo> images = new HashMap<>();
    private final Map<Path, List<Path>> usersOf = new HashMap<>();

    public ImageGraph(Actual actual) {
        actual.domains().forEach(d -> domains.put(d.name(), d));
        actual.images().forEach(this::put);
    }

    /** Adds or replaces an image (a layer a planned change creates, or a table with a planned tag). */
    public void put(ImageInfo i) {
        ImageInfo old = images.put(i.path(), i);
        if (old != null && old.backingPath() != null) {
            usersOf.getOrDefault(old.backingPath(), new ArrayList<>()).remove(i.path());
        }
        if (i.backingPath() != null) {
            List<Path> users = usersOf.computeIfAbsent(i.backingPath(), k -> new ArrayList<>());
            users.add(i.path());
            users.sort(null);
        }
    }

    /** Forgets an image a planned change removes. */
    public void remove(Path path) {
        ImageInfo old = images.remove(path);
        if (old != null && old.backingPath() != null) {
            usersOf.getOrDefault(old.backingPath(), new ArrayList<>()).remove(path);
        }
    }

    /** Forgets a domain a planned change destroys. */
    public void removeDomain(String name) {
        domains.remove(name);
    }

    /** Replaces a domain (its disks as a planned change leaves them). */
    public void putDomain(DomainInfo d) {
        domains.put(d.name(), d);
    }

    public DomainInfo domain(String name) {
        return domains.get(name);
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
        for (DomainInfo d : domains.values()) {
            for (DiskInfo disk : d.disks()) {
                if (chain(disk.path()).contains(path)) {
                    out.add(Map.entry(d, disk));
                }
            }
        }
        return out;
    }
}
