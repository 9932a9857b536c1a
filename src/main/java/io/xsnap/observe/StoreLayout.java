package io.xsnap.observe;

import java.nio.file.Path;

/**
 * Where things live in the snapshot store:
 * {@code <root>/<domain>/<snapshot>/snapshot.json}, {@code .../memory.save},
 * {@code <root>/<domain>/layers/<vdev>.<n>.qcow2}, and {@code <root>/.lock}, {@code <root>/.journal}.
 */
public record StoreLayout(Path root) {
    public static final String MANIFEST = "snapshot.json";
    public static final String MEMORY = "memory.save";
    public static final String LAYERS = "layers";
    public static final String CLONE = "clone.json";
    public static final String XL_START_CONFIG = "xl-restore.cfg";
    public static final String CURRENT = ".current";
    /**
     * The names a domain directory holds for the store itself: a snapshot by one of these names would be taken for
     * them (or collide with them), so no snapshot may have one (the spec schema lists the same ones).
     */
    public static final java.util.List<String> RESERVED_SNAPSHOT_NAMES = java.util.List.of(CLONE, LAYERS, XL_START_CONFIG);

    public StoreLayout {
        root = root.toAbsolutePath().normalize();
    }

    public Path domainDir(String domain) {
        return root.resolve(domain);
    }

    public Path snapshotDir(String domain, String snapshot) {
        return domainDir(domain).resolve(snapshot);
    }

    public Path manifest(String domain, String snapshot) {
        return snapshotDir(domain, snapshot).resolve(MANIFEST);
    }

    public Path memory(String domain, String snapshot) {
        return snapshotDir(domain, snapshot).resolve(MEMORY);
    }

    /** {@code <store>/<domain>/.current}: the snapshot the domain last came from (created or reverted to). */
    public Path currentMarker(String domain) {
        return domainDir(domain).resolve(CURRENT);
    }

    public Path layersDir(String domain) {
        return domainDir(domain).resolve(LAYERS);
    }

    /** The record of a clone: {@code <root>/<domain>/clone.json}. */
    public Path cloneRecord(String domain) {
        return domainDir(domain).resolve(CLONE);
    }

    /**
     * The frozen copy of an internal snapshot's state, made once for clones and shared by them:
     * {@code <root>/<domain>/<snapshot>/<vdev>.frozen.qcow2}.
     */
    public Path frozenCopy(String domain, String snapshot, String vdev) {
        return snapshotDir(domain, snapshot).resolve(vdev + ".frozen.qcow2");
    }

    /**
     * The xl config the xl driver last started the domain with (a revert's restore, a clone's start):
     * {@code <root>/<domain>/xl-restore.cfg}, written by {@code XlDriver.start}.
     */
    public Path xlStartConfig(String domain) {
        return domainDir(domain).resolve(XL_START_CONFIG);
    }

    /** One line per one-shot revert id already applied to the domain. */
    public Path appliedReverts(String domain) {
        return domainDir(domain).resolve(".reverts");
    }

    public Path lock() {
        return root.resolve(".lock");
    }

    public Path journal() {
        return root.resolve(".journal");
    }

    /** True when {@code file} lies inside the store (after normalising; symlinks are not followed here). */
    public boolean contains(Path file) {
        return file.toAbsolutePath().normalize().startsWith(root);
    }
}
