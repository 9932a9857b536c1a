package io.xsnap.observe;

import java.nio.file.Path;
import java.util.Set;

/**
 * Checks every field of a manifest or clone record that xsnap turns into a file or a name, through
 * {@link StorePaths} (invariant 8). A record that passes is what the rest of xsnap sees; one that does not is
 * {@link Damaged}, and nothing acts on it.
 */
final class StoreRecords {
    private static final Set<String> MODES = Set.of("internal", "external", "excluded");

    private StoreRecords() {
    }

    /** @throws StorePaths.DamagedRecord naming {@code file} and the field */
    static void manifest(StorePaths trust, Manifest m, Path file) {
        StorePaths.plainName(m.domain(), file, "domain");
        StorePaths.plainName(m.name(), file, "name");
        if (m.memory() != null) {
            String memory = StorePaths.plainName(m.memory().file(), file, "memory.file");
            if (memory.equals(StoreLayout.MANIFEST)) {
                throw new StorePaths.DamagedRecord(file, "memory.file names the manifest itself");
            }
        }
        if (m.parent() != null) {
            StorePaths.plainName(m.parent(), file, "parent");
        }
        java.util.Set<String> vdevs = new java.util.HashSet<>();
        for (int i = 0; i < m.disks().size(); i++) {
            Manifest.Disk d = m.disks().get(i);
            String at = "disks[" + i + "].";
            if (!vdevs.add(StorePaths.plainName(d.vdev(), file, at + "vdev"))) {
                throw new StorePaths.DamagedRecord(file, at + "vdev " + d.vdev() + " appears twice");
            }
            String mode = StorePaths.required(d.mode(), file, at + "mode");
            if (!MODES.contains(mode)) {
                throw new StorePaths.DamagedRecord(file, at + "mode \"" + mode + "\" is not internal, external or excluded");
            }
            switch (mode) {
                case "internal" -> {
                    trust.fileOf(m.domain(), d.image(), file, at + "image");
                    StorePaths.required(d.tag(), file, at + "tag");
                }
                case "external" -> {
                    trust.fileOf(m.domain(), d.frozen(), file, at + "frozen");
                    if (d.overlay() != null) {
                        trust.fileOf(m.domain(), d.overlay(), file, at + "overlay");
                    }
                }
                default -> {
                }
            }
        }
    }

    /** @throws StorePaths.DamagedRecord naming {@code file} and the field */
    static void clone(StorePaths trust, CloneRecord c, Path file) {
        StorePaths.plainName(c.domain(), file, "domain");
        StorePaths.plainName(c.sourceDomain(), file, "source_domain");
        StorePaths.plainName(c.sourceSnapshot(), file, "source_snapshot");
        Path own = trust.layout().domainDir(c.domain());
        for (int i = 0; i < c.disks().size(); i++) {
            CloneRecord.Disk d = c.disks().get(i);
            String at = "disks[" + i + "].";
            StorePaths.plainName(d.vdev(), file, at + "vdev");
            Path overlay = trust.inStore(d.overlay(), file, at + "overlay");
            if (!overlay.startsWith(own)) {
                throw new StorePaths.DamagedRecord(file, at + "overlay " + overlay + " is not the clone's own (under "
                        + own + ")");
            }
            if (d.base() != null) {
                trust.fileOf(c.sourceDomain(), d.base(), file, at + "base");
            }
        }
        if (c.memory() != null) {
            trust.inStore(c.memory(), file, "memory");
        }
    }
}
