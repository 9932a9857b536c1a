package io.xsnap.apply;

import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageGraph;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;

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
        return inUse(f, actual, owner);
    }

    /**
     * A layer xsnap made outside the store (its trusted state vouches for it): as {@link #refusal} but for where it
     * lies, and no other snapshot may name it as its overlay either.
     */
    String refusalOfMadeLayer(Path file, Actual actual, String owner) {
        Path f = file.toAbsolutePath().normalize();
        for (StoredSnapshot s : actual.snapshots()) {
            if (!(s.domain() + "/" + s.name()).equals(owner)
                    && s.manifest().disks().stream().anyMatch(d -> f.toString().equals(d.overlay()))) {
                return f + " belongs to snapshot " + s.domain() + "/" + s.name();
            }
        }
        return inUse(f, actual, owner);
    }

    private String inUse(Path f, Actual actual, String owner) {
        ImageGraph graph = new ImageGraph(actual);
        var holders = graph.holders(f);
        if (!holders.isEmpty()) {
            return f + " is in the active chain of " + holders.get(0).getKey().name() + " disk "
                    + holders.get(0).getValue().vdev();
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
        if (!graph.usersOf(f).isEmpty()) {
            return f + " is the backing file of " + graph.usersOf(f).get(0);
        }
        return null;
    }
}
