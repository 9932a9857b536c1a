package io.xsnap.apply;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Invariant 2, checked against a fresh observation just before a file is deleted: it lies under the store
 * root, no domain's active chain uses it, no other manifest names it, and no known image has it as backing.
 */
final class RemovalGuard {
    private final StoreLayout layout;

    RemovalGuard(StoreLayout layout) {
        this.layout = layout;
    }

    /** Why {@code file} must not be deleted, or null when it may. {@code owner} is the snapshot being deleted. */
    String refusal(Path file, Actual actual, String owner) {
        Path f = file.toAbsolutePath().normalize();
        if (!layout.contains(f)) {
            return f + " lies outside the store " + layout.root();
        }
        for (DomainInfo d : actual.domains()) {
            for (DiskInfo disk : d.disks()) {
                if (chain(actual, disk.path()).contains(f)) {
                    return f + " is in the active chain of " + d.name() + " disk " + disk.vdev();
                }
            }
        }
        for (StoredSnapshot s : actual.snapshots()) {
            if ((s.domain() + "/" + s.name()).equals(owner)) {
                continue;
            }
            for (Manifest.Disk d : s.manifest().disks()) {
                if (f.toString().equals(d.image()) || f.toString().equals(d.frozen())) {
                    return f + " belongs to snapshot " + s.domain() + "/" + s.name();
                }
            }
        }
        for (ImageInfo i : actual.images()) {
            if (f.equals(i.backingPath())) {
                return f + " is the backing file of " + i.path();
            }
        }
        return null;
    }

    private static Set<Path> chain(Actual actual, Path top) {
        Set<Path> out = new HashSet<>();
        Path p = top;
        while (p != null && out.add(p)) {
            Path cur = p;
            p = actual.images().stream().filter(i -> i.path().equals(cur)).map(ImageInfo::backingPath)
                    .findFirst().orElse(null);
        }
        return out;
    }
}
