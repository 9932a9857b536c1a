package io.xsnap.bench;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageReader;
import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageProbe;
import io.xsnap.observe.Json;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A host at scale for {@code xsnap plan --state}: D domains with K qcow2 disks each, every disk a real image
 * file holding S internal snapshots, and S manifests per domain in a real store. The state file is what
 * {@code xsnap observe --json} prints for that host: the real {@link Observer} reads the real images and
 * manifests; only the domain list comes from a stand-in driver (D running QEMU guests do not fit a CI box).
 *
 * <pre>usage: PlanFixture DIR DOMAINS [DISKS] [SNAPSHOTS]</pre>
 *
 * Writes DIR/images/, DIR/store/, DIR/state.json and DIR/specs/ (one spec per domain: snapshot 1 absent,
 * 2..S present, S+1 new with memory), so the plan deletes D snapshots and creates D.
 */
public final class PlanFixture {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PlanFixture DIR DOMAINS [DISKS] [SNAPSHOTS]");
            System.exit(64);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        int domains = Integer.parseInt(args[1]);
        int disks = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int snapshots = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        new PlanFixture(dir, domains, disks, snapshots).write();
    }

    private final Path dir;
    private final int domains;
    private final int disks;
    private final int snapshots;
    private final JsonMapper json = Json.mapper();

    private PlanFixture(Path dir, int domains, int disks, int snapshots) {
        this.dir = dir;
        this.domains = domains;
        this.disks = disks;
        this.snapshots = snapshots;
    }

    static String domain(int i) {
        return String.format("d%05d", i);
    }

    static String snapshot(int s) {
        return String.format("daily-%02d", s);
    }

    static String vdev(int k) {
        return "xvd" + (char) ('a' + k);
    }

    private void write() throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("specs"));
        StoreLayout layout = new StoreLayout(dir.resolve("store"));
        Path template = dir.resolve("template.qcow2");
        List<String> tags = new ArrayList<>();
        for (int s = 1; s <= snapshots; s++) {
            tags.add(snapshot(s));
        }
        if (!Files.exists(template)) {
            Tools.qcow2WithSnapshots(template, "20G", tags);
        }
        Tools.SparseTemplate copy = new Tools.SparseTemplate(template);
        List<DomainInfo> infos = new ArrayList<>();
        for (int d = 1; d <= domains; d++) {
            String name = domain(d);
            List<DiskInfo> diskInfos = new ArrayList<>();
            List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", "pc", "-accel", "kvm",
                    "-m", "2048", "-smp", "2", "-nodefaults", "-display", "none", "-name", name));
            for (int k = 0; k < disks; k++) {
                Path image = dir.resolve("images").resolve(name + "-" + vdev(k) + ".qcow2");
                if (!Files.exists(image)) {
                    copy.copyTo(image);
                }
                diskInfos.add(new DiskInfo(vdev(k), image, "qcow2", vdev(k), false));
                argv.add("-drive");
                argv.add("id=" + vdev(k) + ",file=" + image + ",format=qcow2,if=virtio");
            }
            infos.add(new DomainInfo(name, "qemu", 10_000 + d, RunState.RUNNING, diskInfos));
            RestartRecipe recipe = new RestartRecipe(argv, null);
            for (int s = 1; s <= snapshots; s++) {
                List<Manifest.Disk> md = new ArrayList<>();
                for (DiskInfo di : diskInfos) {
                    md.add(new Manifest.Disk(di.vdev(), "internal", "qcow2", di.path().toString(), snapshot(s), null,
                            null));
                }
                Manifest m = new Manifest(Manifest.FORMAT_VERSION, snapshot(s), name, "qemu",
                        T0.plusSeconds(86_400L * s), "daily disk snapshot", "running", null, md,
                        s == 1 ? null : snapshot(s - 1), recipe);
                Path file = layout.manifest(name, snapshot(s));
                Files.createDirectories(file.getParent());
                Files.write(file, json.writeValueAsBytes(m));
            }
            Files.writeString(dir.resolve("specs").resolve(name + ".yaml"), spec(name), StandardCharsets.UTF_8);
        }
        long t0 = System.nanoTime();
        Actual actual = new Observer(listOnly(infos), ImageProbe.of(new ImageReader()),
                new SnapshotStore(layout)).observe();
        long observeMs = (System.nanoTime() - t0) / 1_000_000;
        if (!actual.problems().isEmpty() || actual.images().size() != domains * disks) {
            throw new IllegalStateException("unexpected observation: " + actual.images().size() + " images, problems "
                    + actual.problems().subList(0, Math.min(5, actual.problems().size())));
        }
        // as xsnap observe --json prints it
        Files.writeString(dir.resolve("state.json"),
                json.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(actual) + "\n");
        System.out.printf("fixture: %d domains x %d disks x %d snapshots in %s (observed in %d ms)%n",
                domains, disks, snapshots, dir, observeMs);
    }

    private String spec(String name) {
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: ").append(name).append("\nsnapshots:\n");
        y.append("  - name: ").append(snapshot(1)).append("\n    state: absent\n");
        for (int s = 2; s <= snapshots; s++) {
            y.append("  - name: ").append(snapshot(s)).append("\n    memory: false\n");
        }
        y.append("  - name: ").append(snapshot(snapshots + 1)).append("\n    description: before the upgrade\n");
        return y.toString();
    }

    /** A driver that only lists the given domains (observing calls nothing else) and names itself. */
    private static DomainDriver listOnly(List<DomainInfo> domains) {
        return (DomainDriver) Proxy.newProxyInstance(DomainDriver.class.getClassLoader(),
                new Class<?>[] {DomainDriver.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "list" -> domains;
                    case "name" -> "qemu";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
