package io.xsnap.bench;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StateReader;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import io.xsnap.spec.SourceRef;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The planner and the state reader alone, warm, on the host of {@code bench/plan-scale.sh} (D domains x 4
 * qcow2 disks x 20 internal snapshots, each spec deleting one and creating one) built in memory. Time per
 * operation should grow linearly with D: ci/bench.sh prints the time per domain at the largest D against the
 * next one (4000 against 1000). A fixed 4 GiB heap keeps the collector's work from growing with D.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PlannerBench {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final StoreLayout STORE = new StoreLayout(Path.of("/var/lib/xsnap"));
    private static final int DISKS = 4;
    private static final int SNAPSHOTS = 20;

    @Param({"100", "1000", "4000"})
    public int domains;

    private Actual actual;
    private Desired desired;
    private byte[] state;
    private final tools.jackson.databind.json.JsonMapper mapper = Json.mapper();

    @Setup
    public void setUp() {
        List<DomainInfo> infos = new ArrayList<>();
        List<ImageInfo> images = new ArrayList<>();
        List<StoredSnapshot> stored = new ArrayList<>();
        List<DomainSpec> specs = new ArrayList<>();
        for (int d = 1; d <= domains; d++) {
            String name = PlanFixture.domain(d);
            List<DiskInfo> disks = new ArrayList<>();
            List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-name", name, "-m", "2048"));
            for (int k = 0; k < DISKS; k++) {
                Path image = Path.of("/images", name + "-" + PlanFixture.vdev(k) + ".qcow2");
                disks.add(new DiskInfo(PlanFixture.vdev(k), image, "qcow2", PlanFixture.vdev(k), false));
                List<InternalSnapshot> tags = new ArrayList<>();
                for (int s = 1; s <= SNAPSHOTS; s++) {
                    tags.add(new InternalSnapshot(String.valueOf(s), PlanFixture.snapshot(s), 1_700_000_000L + s, 0, 0,
                            0, 20L << 30, -1));
                }
                images.add(new ImageInfo(image, "qcow2", 20L << 30, 3, 65536, null, null, null, null, false, false,
                        tags, 1_700_000));
                argv.add("-drive");
                argv.add("id=" + PlanFixture.vdev(k) + ",file=" + image + ",format=qcow2,if=virtio");
            }
            infos.add(new DomainInfo(name, "qemu", 10_000 + d, RunState.RUNNING, disks));
            List<SnapshotSpec> snaps = new ArrayList<>();
            for (int s = 1; s <= SNAPSHOTS; s++) {
                List<Manifest.Disk> md = new ArrayList<>();
                for (DiskInfo di : disks) {
                    md.add(new Manifest.Disk(di.vdev(), "internal", "qcow2", di.path().toString(), PlanFixture.snapshot(s),
                            null, null));
                }
                stored.add(new StoredSnapshot(new Manifest(Manifest.FORMAT_VERSION, PlanFixture.snapshot(s), name, "qemu",
                        T0.plusSeconds(86_400L * s), null, "running", null, md, null, new RestartRecipe(argv, null)), 0));
                snaps.add(new SnapshotSpec(PlanFixture.snapshot(s), null, s == 1 ? Presence.ABSENT : Presence.PRESENT,
                        false, false, Map.of(), new SourceRef(name + ".yaml", 4 + 2 * s, 5)));
            }
            snaps.add(new SnapshotSpec(PlanFixture.snapshot(SNAPSHOTS + 1), null, Presence.PRESENT, true, false,
                    Map.<String, DiskMode>of(), new SourceRef(name + ".yaml", 50, 5)));
            specs.add(new DomainSpec(name, snaps, new SourceRef(name + ".yaml", 1, 1)));
        }
        actual = new Actual("qemu", infos, images, stored, List.of(), List.of());
        desired = new Desired(specs);
        state = Json.mapper().writeValueAsBytes(actual);
    }

    @Benchmark
    public Plan plan() {
        return new Planner(STORE, T0).plan(desired, actual);
    }

    @Benchmark
    public Actual readState() {
        return StateReader.actual(state);
    }

    /** The same with the data-binding mapper, the baseline StateReader is kept for. */
    @Benchmark
    public Actual readStateWithTheMapper() {
        return mapper.readValue(state, Actual.class);
    }
}
