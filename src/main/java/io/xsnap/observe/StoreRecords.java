package io.xsnap.observe;

import io.xsnap.host.TrustedState;
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

    /**
     * @param vouched the driver's trusted state, which must vouch for a memory file outside the store; null when the
     *                driver keeps none (then no such file is accepted)
     * @throws StorePaths.DamagedRecord naming {@code file} and the field
     */
    static void manifest(StorePaths trust, Manifest m, Path file, TrustedState vouched) {
        StorePaths.plainName(m.domain(), file, "domain");
        StorePaths.plainName(m.name(), file, "name");
        if (m.memory() != null && m.memory().file() != null && m.memory().file().startsWith("/")) {
            outsideMemory(m, file, vouched);
        } else if (m.memory() != null) {
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

    /**
     * A memory file outside the store (a snapshot cfgfile's memory_path) is read or removed only when the driver's
     * trusted state records that xsnap wrote exactly that file for exactly this snapshot, complete, with the size and
     * sha256 the manifest gives.
     */
    private static void outsideMemory(Manifest m, Path file, TrustedState vouched) {
        String raw = m.memory().file();
        String what = "memory.file " + raw + " lies outside the store";
        if (vouched == null) {
            throw new StorePaths.DamagedRecord(file, what + ", and the driver keeps no record that could vouch for it");
        }
        TrustedState.MadeFile r;
        try {
            r = vouched.memory(m.domain(), m.name()).orElse(null);
        } catch (io.xsnap.host.HostException e) {
            throw new StorePaths.DamagedRecord(file, what + ", and xsnap's record of it cannot be read: " + e.getMessage());
        }
        if (r == null || !r.file().toString().equals(raw)) {
            throw new StorePaths.DamagedRecord(file, what + ", and xsnap's trusted state (" + vouched.madeDir()
                    + ") has no record that xsnap wrote it for " + m.domain() + "/" + m.name()
                    + (r == null ? "" : " (it records " + r.file() + ")"));
        }
        if (!r.complete() || r.size() != m.memory().size()
                || !r.sha256().equalsIgnoreCase(String.valueOf(m.memory().sha256()))) {
            throw new StorePaths.DamagedRecord(file, what + ", and its size or sha256 differ from what xsnap recorded "
                    + "when it wrote it (" + (r.complete() ? r.size() + " bytes, sha256 " + r.sha256()
                    : "a save that never completed") + ")");
        }
    }

    /** @throws StorePaths.DamagedRecord naming {@code file} and the field */
    static void clone(StorePaths trust, CloneRecord c, Path file, TrustedState vouched) {
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
        if (c.memory() != null && !sourceMemory(c, vouched)) {
            trust.inStore(c.memory(), file, "memory");
        }
    }

    /** The clone started from its source snapshot's memory file outside the store, as xsnap recorded it. */
    private static boolean sourceMemory(CloneRecord c, TrustedState vouched) {
        try {
            return vouched != null && vouched.memory(c.sourceDomain(), c.sourceSnapshot())
                    .filter(r -> r.complete() && r.file().toString().equals(c.memory())).isPresent();
        } catch (io.xsnap.host.HostException e) {
            return false;
        }
    }
}
