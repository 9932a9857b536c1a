package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.Command;
import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import io.xsnap.plan.Plan;
import io.xsnap.testing.Cli;
import io.xsnap.testing.XenGuest;
import io.xsnap.testing.XenLab;
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

/**
 * Backups of xl domains on the test-only xl stand-in: qdisk disks cut through the device model's QMP socket in one
 * transaction while the guest writes on; raw (blkback) disks refused where they cannot be copied by reflink. The
 * reflink path itself is in {@link XlReflinkOnStandInTest}.
 */
class XlBackupOnStandInTest {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @TempDir
    Path tmp;
    XenLab lab;

    @BeforeEach
    void lab() {
        lab = new XenLab(tmp);
    }

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    /**
     * Plans and applies a backup of {@code domain} in-process with the xl driver; {@code atExport} runs when the first
     * export starts, after the cut. What apply said is added to {@code said}.
     */
    static List<ChangeResult> backup(XenLab lab, Path store, String domain, Path dir, Runnable atExport, List<String> said) {
        boolean[] fired = {false};
        ApplyContext ctx = XlApply.context(lab, store, line -> {
            said.add(line);
            if (line.contains("exporting") && !fired[0]) {
                fired[0] = true;
                atExport.run();
            }
        });
        Plan plan = new ClonePlanner(ctx.layout(), Clock.systemUTC().instant()).backup(ctx.observer().observe(), domain,
                "backup-1", new Change.Export(dir, "qcow2", false));
        assertFalse(plan.hasErrors(), plan.findings().toString());
        said.addAll(plan.changes().get(0).steps());
        return new Executor(ctx).apply(plan);
    }

    /** {@code qemu-img compare}: the two images read the same. */
    static boolean same(XenLab lab, Path a, Path b) {
        return lab.images().runner().run(Command.of("qemu-img", "compare", "-q", a.toString(), b.toString()).accepting(0, 1)
                .withTimeout(Duration.ofSeconds(60))).exitCode() == 0;
    }

    /** A reference image holding the given 64 KiB patterns at the given offsets, the rest zero. */
    static Path reference(XenLab lab, String name, int... patternsAtK64) {
        Path ref = lab.images().createDisk(name, "qcow2", 16 * MIB);
        for (int i = 0; i < patternsAtK64.length; i += 2) {
            lab.images().writeOffline(ref, "qcow2", patternsAtK64[i], patternsAtK64[i + 1] * K64, K64);
        }
        return ref;
    }

    @Test
    void qdiskDisksAreExportedAsAtTheCutWhileTheGuestWritesAndTheDomainEndsOnItsChain() throws Exception {
        Path a = lab.images().createDisk("web01-a.qcow2", "qcow2", 16 * MIB);
        Path base = lab.images().createDisk("web01-b-base.qcow2", "qcow2", 16 * MIB);
        lab.images().writeOffline(base, "qcow2", 0xb0, 3 * K64, K64);
        Path b = lab.images().createOverlay("web01-b.qcow2", base, "qcow2");
        XenGuest g = lab.create(lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + a,
                "format=qcow2, vdev=xvdb, access=rw, target=" + b));
        g.write("xvda", 0xa1, 0, K64);
        g.write("xvdb", 0xb1, K64, K64);
        Path store = tmp.resolve("store");
        List<Path> before = XlApply.chain(lab, store, "web01");
        Path dir = tmp.resolve("backup");
        List<String> said = new ArrayList<>();

        List<ChangeResult> results = backup(lab, store, "web01", dir, () -> {
            g.write("xvda", 0xa2, 0, K64);       // after the cut: not in the backup
            g.write("xvdb", 0xb2, 2 * K64, K64);
        }, said);
        assertTrue(results.get(0).ok(), results + "\n" + said);
        assertTrue(said.stream().anyMatch(l -> l.startsWith("cut disks in one transaction (no pause)")), said.toString());
        assertEquals(-1, results.get(0).pauseMillis(), "qdisk disks are cut without a pause");

        assertTrue(same(lab, dir.resolve("xvda.qcow2"), reference(lab, "ref-a.qcow2", 0xa1, 0)), "xvda as at the cut");
        assertTrue(same(lab, dir.resolve("xvdb.qcow2"), reference(lab, "ref-b.qcow2", 0xb1, 1, 0xb0, 3)),
                "xvdb as at the cut, its backing file's data included");
        assertEquals(before, XlApply.chain(lab, store, "web01"), "the domain runs on the chain it had");
        assertEquals("running", g.status());
        g.assertReads("xvda", 0xa2, 0, K64);
        g.assertReads("xvdb", 0xb2, 2 * K64, K64);
        g.assertReads("xvdb", 0xb0, 3 * K64, K64);
        try (Stream<Path> layers = Files.list(store.resolve("web01/layers"))) {
            assertEquals(List.of(), layers.toList(), "no temporary layer left");
        }
        assertFalse(Files.exists(store.resolve("web01/backup-1")));
    }

    @Test
    void aRawDiskThatCannotBeCopiedByReflinkIsRefusedWithTheWayOut() {
        Path a = lab.images().createDisk("app-a.qcow2", "qcow2", 16 * MIB);
        Path data = lab.images().createDisk("app-data.raw", "raw", 8 * MIB);
        XenGuest g = lab.create(lab.config("app", "format=qcow2, vdev=xvda, access=rw, target=" + a,
                "format=raw, vdev=xvdb, access=rw, target=" + data));
        Path store = tmp.resolve("store");
        Cli.Run refused = lab.xsnap(store, "backup", "app", "--to", tmp.resolve("backup").toString());
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("app disk xvdb (" + data + ") is not served by a QEMU xsnap can reach")
                && refused.out().contains("convert it to qcow2"), refused.out());
        assertFalse(Files.exists(tmp.resolve("backup")), "nothing was done");
        assertEquals("running", g.status());
    }
}
