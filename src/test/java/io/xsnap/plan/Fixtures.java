package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import io.xsnap.spec.SourceRef;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Small value builders for planner tests: a host made of plain records, no I/O. */
final class Fixtures {
    static final StoreLayout STORE = new StoreLayout(Path.of("/store"));
    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private final List<DomainInfo> domains = new ArrayList<>();
    private final List<ImageInfo> images = new ArrayList<>();
    private final List<StoredSnapshot> snapshots = new ArrayList<>();
    private final List<io.xsnap.observe.CloneRecord> clones = new ArrayList<>();
    private final Map<String, List<Path>> anchored = new java.util.LinkedHashMap<>();

    Fixtures domain(String name, RunState state, DiskInfo... disks) {
        domains.add(new DomainInfo(name, "qemu", 100 + domains.size(), state, Arrays.asList(disks)));
        return this;
    }

    static DiskInfo disk(String vdev, String path, String format) {
        return new DiskInfo(vdev, Path.of(path), format, vdev, false);
    }

    /** The last image added, with the merge costs its cluster tables gave (see ImageInfo). */
    Fixtures costs(long allocatedBytes, long backingVisibleBytes) {
        ImageInfo last = images.remove(images.size() - 1);
        images.add(last.withMergeCosts(allocatedBytes, backingVisibleBytes));
        return this;
    }

    Fixtures image(String path, String format, String backing, long allocated, String... tags) {
        List<InternalSnapshot> snaps = new ArrayList<>();
        for (int i = 0; i < tags.length; i++) {
            snaps.add(new InternalSnapshot(String.valueOf(i + 1), tags[i], 0, 0, 0, 0, 1 << 20, -1));
        }
        images.add(new ImageInfo(Path.of(path), format, 1 << 20, "qcow2".equals(format) ? 3 : 0,
                "qcow2".equals(format) ? 65536 : 0, backing, backing == null ? null : Path.of(backing),
                backing == null ? null : "qcow2", null, false, false, snaps, allocated));
        return this;
    }

    Fixtures stored(String domain, String name, boolean memory, Manifest.Disk... disks) {
        return stored(domain, name, memory, memory ? 4096 : 0, disks);
    }

    Fixtures stored(String domain, String name, boolean memory, long memoryOnDisk, Manifest.Disk... disks) {
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, name, domain, "qemu", NOW.minusSeconds(3600 - snapshots.size()),
                null, "running", memory ? new Manifest.Memory("memory.save", 4096, "00", false, 10) : null,
                Arrays.asList(disks), null, new RestartRecipe(List.of("qemu-system-x86_64", "-name", domain), null));
        snapshots.add(new StoredSnapshot(m, memoryOnDisk));
        return this;
    }

    /** A snapshot whose memory lies outside the store (a cfgfile's memory_path), as observed once it was vouched. */
    Fixtures storedWithMemoryAt(String domain, String name, String file, Manifest.Disk... disks) {
        stored(domain, name, true, disks);
        Manifest m = snapshots.remove(snapshots.size() - 1).manifest();
        snapshots.add(new StoredSnapshot(new Manifest(m.formatVersion(), m.name(), m.domain(), m.driver(), m.created(),
                m.description(), m.state(), new Manifest.Memory(file, 4096, "00", false, 10), m.disks(), m.parent(),
                m.restart()), 4096));
        return this;
    }

    static Manifest.Disk internal(String vdev, String image, String tag) {
        return new Manifest.Disk(vdev, "internal", "qcow2", image, tag, null, null);
    }

    static Manifest.Disk external(String vdev, String frozen, String overlay) {
        return new Manifest.Disk(vdev, "external", "qcow2", null, null, frozen, overlay);
    }

    /** A clone record: one overlay per disk, {@code <store>/<name>/layers/<vdev>.1.qcow2}, over the given base. */
    Fixtures clone(String name, String source, String vdev, String base) {
        String[] src = source.split("/", 2);
        clones.add(new io.xsnap.observe.CloneRecord(1, name, src[0], src[1], NOW, List.of(new io.xsnap.observe.CloneRecord.Disk(
                vdev, STORE.layersDir(name).resolve(vdev + ".1.qcow2").toString(), base, "qcow2")), null, null));
        return this;
    }

    Actual actual() {
        return actual("qemu");
    }

    /** The host as the given driver ("qemu" or "xl") observed it. */
    Actual actual(String driver) {
        return new Actual(driver, domains, images, snapshots, List.of(), List.of(), List.of(), clones, List.of(),
                anchored);
    }

    /** A domain the driver does not report, with the files its chains had when xsnap stopped it (its record). */
    Fixtures anchored(String domain, String... files) {
        anchored.put(domain, Arrays.stream(files).map(Path::of).toList());
        return this;
    }

    static SnapshotSpec snap(String name, Presence state, boolean memory, Map<String, DiskMode> disks) {
        return new SnapshotSpec(name, null, state, memory, false, disks, new SourceRef("spec.yaml", 5, 5));
    }

    static Desired desired(String domain, SnapshotSpec... snaps) {
        return new Desired(List.of(new DomainSpec(domain, Arrays.asList(snaps), new SourceRef("spec.yaml", 1, 1))));
    }

    static Plan plan(Desired d, Actual a) {
        return new Planner(STORE, NOW).plan(d, a);
    }

    static Planner planner() {
        return new Planner(STORE, NOW);
    }
}
