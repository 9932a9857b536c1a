package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ProcessRunner;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemu.QemuDriver;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import io.xsnap.plan.Plan;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Backups on a real guest: the exported files equal the disks at the cut while the guest writes on, and the domain
 * ends on the chain it had.
 */
@GuestTest
class BackupOnGuestsTest {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @TempDir
    Path tmp;
    GuestLab lab;
    StoreLayout layout;
    final List<String> said = new ArrayList<>();

    @BeforeEach
    void lab() {
        lab = new GuestLab(tmp);
        layout = new StoreLayout(tmp.resolve("store"));
    }

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    /** Runs a backup plan; {@code atExport} runs when the first export starts, after the cut. */
    private List<ChangeResult> backup(ProcessRunner runner, Path dir, String format, boolean compress, Runnable atExport) {
        QemuDriver driver = new QemuDriver(lab.qemuDir(), lab.runner());
        Observer observer = new Observer(driver, new ImageReader()::read, new SnapshotStore(layout));
        Plan plan = new ClonePlanner(layout, Clock.systemUTC().instant()).backup(observer.observe(), "web01",
                "backup-1", new Change.Export(dir, format, compress));
        assertFalse(plan.hasErrors(), plan.findings().toString());
        boolean[] fired = {false};
        ApplyContext ctx = new ApplyContext(driver, new QemuImg(runner), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), line -> {
                    said.add(line);
                    if (line.contains("exporting") && !fired[0]) {
                        fired[0] = true;
                        atExport.run();
                    }
                }, Clock.systemUTC());
        return new Executor(ctx).apply(plan);
    }

    private boolean same(Path a, Path b) {
        int code = lab.runner().run(Command.of("qemu-img", "compare", "-q", a.toString(), b.toString()).accepting(0, 1)
                .withTimeout(Duration.ofSeconds(60))).exitCode();
        return code == 0;
    }

    private List<Path> disks() {
        return new QemuDriver(lab.qemuDir(), lab.runner()).list().stream().filter(d -> d.name().equals("web01"))
                .findFirst().map(DomainInfo::disks).orElseThrow().stream().map(d -> d.path()).toList();
    }

    @Test
    void theExportedFilesAreTheDisksAtTheCutWhileTheGuestWritesOnAndTheChainIsAsBefore() throws Exception {
        Path a = lab.createDisk("a.qcow2", "qcow2", 8 * MIB);
        Path b = lab.createDisk("b.raw", "raw", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", a), Disk.raw("xvdb", b));
        g.write("xvda", 0xa1, 0, K64);
        g.write("xvdb", 0xb1, K64, K64);
        List<Path> before = disks();
        Path dir = tmp.resolve("backup");

        List<ChangeResult> results = backup(lab.runner(), dir, "qcow2", true, () -> {
            g.write("xvda", 0xa2, 0, K64);      // after the cut: must not be in the backup
            g.write("xvdb", 0xb2, 2 * K64, K64);
        });
        assertTrue(results.get(0).ok(), results + "\n" + said);

        Path refA = lab.createDisk("ref-a.qcow2", "qcow2", 8 * MIB);
        lab.writeOffline(refA, "qcow2", 0xa1, 0, K64);
        Path refB = lab.createDisk("ref-b.raw", "raw", 8 * MIB);
        lab.writeOffline(refB, "raw", 0xb1, K64, K64);
        assertTrue(same(dir.resolve("xvda.qcow2"), refA), "xvda as at the cut");
        assertTrue(same(dir.resolve("xvdb.qcow2"), refB), "xvdb as at the cut");

        JsonNode manifest = Json.mapper().readTree(dir.resolve("backup.json").toFile());
        assertEquals("web01", manifest.get("domain").asString());
        assertEquals(2, manifest.get("disks").size());
        for (JsonNode d : manifest.get("disks")) {
            Path f = dir.resolve(d.get("file").asString());
            assertEquals(Digests.sha256(f), d.get("sha256").asString());
            assertEquals(Files.size(f), d.get("size").asLong());
        }

        assertEquals(before, disks(), "the domain runs on the chain it had");
        assertEquals("running", g.status());
        g.assertReads("xvda", 0xa2, 0, K64);
        g.assertReads("xvdb", 0xb1, K64, K64);
        g.assertReads("xvdb", 0xb2, 2 * K64, K64);
        try (Stream<Path> layers = Files.list(layout.layersDir("web01"))) {
            assertEquals(List.of(), layers.toList(), "no temporary layer left");
        }
        assertFalse(Files.exists(layout.snapshotDir("web01", "backup-1")), "the temporary snapshot is gone");

        // the same through the CLI, raw this time; the plan shows what happens
        Cli.Run run = new Cli(layout.root(), lab.qemuDir()).host("backup", "web01", "--to", tmp.resolve("b2").toString(),
                "--format", "raw");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("^ web01/backup-") && run.out().contains("1 to back up"), run.out());
        Path nowA = lab.createDisk("now-a.raw", "raw", 8 * MIB);
        lab.writeOffline(nowA, "raw", 0xa2, 0, K64);
        assertTrue(same(tmp.resolve("b2/xvda.raw"), nowA));
        assertEquals(before, disks());
    }

    @Test
    void aFailedExportLeavesTheDomainRunningOnItsChainAndSaysSo() throws Exception {
        Path a = lab.createDisk("a.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", a));
        g.write("xvda", 0xa1, 0, K64);
        List<Path> before = disks();
        ProcessRunner failingConvert = c -> {
            if (c.argv().contains("convert")) {
                throw new HostException("injected: " + c.display() + " failed");
            }
            return lab.runner().run(c);
        };
        List<ChangeResult> results = backup(failingConvert, tmp.resolve("backup"), "qcow2", false, () -> { });
        assertFalse(results.get(0).ok());
        String error = results.get(0).error();
        assertTrue(error.contains("export failed") && error.contains("merged back") && error.contains("runs on its chain"), error);
        assertEquals(before, disks());
        assertEquals("running", g.status());
        g.write("xvda", 0xa2, 0, K64);
        g.assertReads("xvda", 0xa2, 0, K64);
        assertFalse(Files.exists(tmp.resolve("backup/xvda.qcow2")), "no partial file left");
        assertFalse(Files.exists(layout.snapshotDir("web01", "backup-1")));
    }
}
