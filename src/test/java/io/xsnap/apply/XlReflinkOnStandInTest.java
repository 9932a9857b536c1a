package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.XenGuest;
import io.xsnap.testing.XenLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw (blkback) disks of an xl domain copied by {@code cp --reflink=always} while the domain is paused, on a
 * loop-mounted XFS made for the test. Skipped, with the reason, where the machine cannot make one (needs root,
 * mkfs.xfs from xfsprogs, loop devices); the refusal path runs everywhere in {@link XlOnStandInTest}.
 */
@GuestTest
class XlReflinkOnStandInTest {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @TempDir
    Path tmp;
    Path mount;
    XenLab lab;
    /** The store, on the XFS. */
    Path store;
    /** web01's raw disk, on the XFS. */
    Path data;

    @BeforeEach
    void xfs() throws IOException {
        ExecRunner runner = new ExecRunner();
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "needs root to loop-mount an XFS image");
        Path image = tmp.resolve("xfs.img");
        mount = tmp.resolve("xfs");
        Files.createDirectories(mount);
        try (var f = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0).position(320 * MIB - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        CommandResult mkfs = run(runner, "mkfs.xfs", "-q", "-m", "reflink=1", image.toString());
        assumeTrue(mkfs != null && mkfs.exitCode() == 0, "mkfs.xfs (xfsprogs) is not available: "
                + (mkfs == null ? "not installed" : mkfs.stderr()));
        CommandResult mounted = run(runner, "mount", "-o", "loop", image.toString(), mount.toString());
        if (mounted == null || mounted.exitCode() != 0) {
            mount = null;
        }
        assumeTrue(mount != null, "cannot loop-mount an XFS image here: "
                + (mounted == null ? "no mount" : mounted.stderr()));
        lab = new XenLab(tmp);
        store = mount.resolve("store");
        data = mount.resolve("web01-data.raw");
    }

    private static CommandResult run(ExecRunner runner, String... argv) {
        try {
            return runner.run(Command.of(argv).accepting(0, 1, 2, 32).withTimeout(Duration.ofSeconds(60)));
        } catch (io.xsnap.host.exec.CommandException e) {
            return null;
        }
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
        if (mount != null) {
            unmount(mount);
        }
    }

    /** A QEMU just killed may hold its files for a moment: retry, then detach lazily so the temp dir can go. */
    private static void unmount(Path mount) {
        ExecRunner runner = new ExecRunner();
        for (int i = 0; i < 50; i++) {
            if (runner.run(Command.of("umount", mount.toString()).accepting(0, 32)
                    .withTimeout(Duration.ofSeconds(60))).exitCode() == 0) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        runner.run(Command.of("umount", "-l", mount.toString()).withTimeout(Duration.ofSeconds(60)));
    }

    /** web01's config: a qcow2 disk xvda beside the lab, and the raw disk xvdb {@link #data} (8 MiB) on the XFS. */
    private Path web01Config() {
        Path root = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        lab.images().qemuImg().create(data, "raw", 8 * MIB);
        return lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + root, data + ",raw,xvdb,rw");
    }

    @Test
    void rawDisksAreCopiedWhilePausedAndRevertOntoAnOverlayOfTheCopy() throws IOException {
        Path cfg = web01Config();
        XenGuest g = lab.create(cfg);
        g.write("xvdb", 0x41, 0, K64);

        Cli.Run create = lab.xsnap(store, "create", "web01", "--name", "m1", "--xl-config", cfg.toString());
        assertEquals(0, create.code(), create.toString());
        Path copy = store.resolve("web01/layers/xvdb.1.raw");
        assertTrue(create.out().contains("cp --reflink=always " + data + " " + copy), create.out());
        assertEquals("running", g.status());
        assertTrue(Files.readString(store.resolve("web01/m1/snapshot.json")).contains("\"frozen\" : \"" + copy + "\""));

        g.write("xvdb", 0x42, 0, K64);
        Cli.Run diskOnly = lab.xsnap(store, "create", "web01", "--name", "d1", "--disk-only");
        assertEquals(0, diskOnly.code(), diskOnly.toString());
        assertTrue(diskOnly.out().contains("pause web01 (raw disks are copied while it is paused)"), diskOnly.out());
        assertEquals("running", g.status());

        g.write("xvdb", 0x43, 0, K64);
        Cli.Run revert = lab.xsnap(store, "revert", "--force", "web01", "m1");
        assertEquals(0, revert.code(), revert.toString());
        XenGuest back = lab.guest("web01");
        back.assertReads("xvdb", 0x41, 0, K64);
        String derived = Files.readString(store.resolve("web01/xl-restore.cfg"));
        assertTrue(derived.contains("format=qcow2, vdev=xvdb, access=rw, target=" + store.resolve("web01/layers/xvdb.1.qcow2")),
                derived);
    }

    /**
     * A clone of a snapshot whose raw disk is a reflink copy gets its own reflink copy, raw on blkback like the
     * source's disk; the qcow2 disk gets an overlay as usual. The clone restores from the snapshot's memory.
     */
    @Test
    void aCloneGetsItsOwnReflinkCopyOfAFrozenRawDisk() throws IOException {
        Path cfg = web01Config();
        XenGuest web01 = lab.create(cfg);
        web01.write("xvdb", 0x41, 0, K64);
        assertEquals(0, lab.xsnap(store, "create", "web01", "--name", "m1", "--xl-config", cfg.toString()).code());
        Path frozen = store.resolve("web01/layers/xvdb.1.raw");
        String frozenBefore = Digests.sha256(frozen);
        web01.write("xvdb", 0x42, 0, K64);

        Cli.Run clone = lab.xsnap(store, "clone", "web01", "m1", "--to", "app1", "--start");
        assertEquals(0, clone.code(), clone.toString());
        Path copy = store.resolve("app1/layers/xvdb.1.raw");
        assertTrue(clone.out().contains("cp --reflink=always " + frozen + " " + copy), clone.out());
        XenGuest app1 = lab.guest("app1");
        assertEquals("running", app1.status());
        var disk = app1.config().path("disks").path(1);
        assertEquals(copy.toString(), disk.path("pdev_path").asString());
        assertEquals("phy", disk.path("backend").asString(), "raw on blkback, like the source's disk: " + disk);
        app1.assertReads("xvdb", 0x41, 0, K64);
        app1.write("xvdb", 0x44, 0, K64);
        web01.assertReads("xvdb", 0x42, 0, K64);
        assertEquals(frozenBefore, Digests.sha256(frozen), "the frozen copy never changed");
        Cli.Run list = lab.xsnap(store, "list");
        assertTrue(list.out().contains("xvdb:" + copy + " (reflink copy of " + frozen + ")"), list.out());

        assertEquals(0, lab.xsnap(store, "delete-clone", "app1").code());
        assertTrue(!Files.exists(store.resolve("app1")) && Files.exists(frozen));
        assertEquals(0, lab.xsnap(store, "delete", "web01", "m1").code());
        assertTrue(!Files.exists(frozen));
        web01.assertReads("xvdb", 0x42, 0, K64);
    }

    /**
     * A backup of a domain with a qcow2 (qdisk) and a raw (blkback) disk: both are cut at one instant while the domain
     * is paused briefly, the raw one by a reflink copy that is exported and removed again.
     */
    @Test
    void aBackupCutsARawDiskByAReflinkCopyWhileTheDomainIsPausedBriefly() throws IOException {
        XenGuest g = lab.create(web01Config());
        Path dir = mount.resolve("backup");
        XlApply.BackupRun run = XlApply.backupWhileWriting(lab, store, g, dir);
        assertTrue(run.said().contains("pause web01 briefly: raw disk xvdb is copied while it is paused"), run.said().toString());
        assertTrue(run.said().contains("copy: cp --reflink=always " + data + " " + store.resolve("web01/layers/xvdb.1.raw")),
                run.said().toString());
        assertTrue(run.result().pauseMillis() >= 0, "the domain was paused for the copy");
        assertTrue(XlApply.same(lab, dir.resolve("xvda.qcow2"), XlApply.reference(lab, "ref-a.qcow2", 0xa1, 0)),
                "xvda as at the cut");
        assertTrue(XlApply.same(lab, dir.resolve("xvdb.qcow2"), XlApply.reference(lab, "ref-b.qcow2", 0xb1, 1)),
                "xvdb as at the cut");
        try (var layers = Files.list(store.resolve("web01/layers"))) {
            assertEquals(List.of(), layers.toList(), "the reflink copy and the temporary layer are gone");
        }
    }
}
