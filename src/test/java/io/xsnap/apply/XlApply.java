package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.host.xl.Reflink;
import io.xsnap.host.xl.Xl;
import io.xsnap.host.xl.XlDriver;
import io.xsnap.observe.Json;
import io.xsnap.observe.Observer;
import io.xsnap.observe.SnapshotStore;
import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.XenGuest;
import io.xsnap.testing.XenLab;
import io.xsnap.host.exec.Command;
import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import io.xsnap.plan.Plan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** In-process apply with the xl driver against a {@link XenLab}'s stand-in, for tests that act between steps. */
final class XlApply {
    private static final long MIB = 1 << 20;
    private static final long K64 = 64 * 1024;

    private XlApply() {
    }

    static XlDriver driver(XenLab lab, Path store) {
        return new XlDriver(new Xl(lab.images().runner(), lab.xl().toString()), new Reflink(lab.images().runner()),
                lab.runDir(), store, Map.of());
    }

    /** What the executor needs: the xl driver, real qemu-img, a journal in the store; apply says its lines to {@code reporter}. */
    static ApplyContext context(XenLab lab, Path store, Reporter reporter) {
        StoreLayout layout = new StoreLayout(store);
        XlDriver driver = driver(lab, store);
        Observer observer = new Observer(driver, new ImageReader()::read, new SnapshotStore(layout));
        return new ApplyContext(driver, new QemuImg(lab.images().runner()), observer, layout,
                new Journal(layout.journal(), Json.mapper()), Json.mapper(), reporter, Clock.systemUTC());
    }

    /** The files the domain's disks run on now (xsnap's view: QMP for qdisk disks, the config for raw ones). */
    static List<Path> chain(XenLab lab, Path store, String domain) {
        return driver(lab, store).list().stream().filter(d -> d.name().equals(domain)).findFirst()
                .map(DomainInfo::disks).orElseThrow().stream().map(DiskInfo::path).toList();
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

    /** What a backup run said (its plan's steps, then apply's lines) and its result. */
    record BackupRun(ChangeResult result, List<String> said) {
    }

    /**
     * web01 (disks xvda and xvdb) is written (0xa1 at 0 on xvda, 0xb1 at 64 KiB on xvdb), backed up to {@code dir},
     * and written again after the cut (0xa2, 0xb2 at the same places); the backup succeeded, and web01 runs on the
     * chain it had, reading its newest data.
     */
    static BackupRun backupWhileWriting(XenLab lab, Path store, XenGuest g, Path dir) {
        g.write("xvda", 0xa1, 0, K64);
        g.write("xvdb", 0xb1, K64, K64);
        List<Path> before = chain(lab, store, "web01");
        List<String> said = new ArrayList<>();
        List<ChangeResult> results = backup(lab, store, "web01", dir, () -> {
            g.write("xvda", 0xa2, 0, K64);       // after the cut: not in the backup
            g.write("xvdb", 0xb2, K64, K64);
        }, said);
        assertTrue(results.size() == 1 && results.get(0).ok(), results + "\n" + said);
        assertEquals(before, chain(lab, store, "web01"), "the domain runs on the chain it had");
        assertEquals("running", g.status());
        g.assertReads("xvda", 0xa2, 0, K64);
        g.assertReads("xvdb", 0xb2, K64, K64);
        return new BackupRun(results.get(0), said);
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
}
