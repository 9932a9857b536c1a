package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import io.xsnap.testing.OnXenLab;
import io.xsnap.testing.XenGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Backups of xl domains on the test-only xl stand-in: qdisk disks cut through the device model's QMP socket in one
 * transaction while the guest writes on; raw (blkback) disks refused where they cannot be copied by reflink. The
 * reflink path itself is in {@link XlReflinkOnStandInTest}.
 */
class XlBackupOnStandInTest extends OnXenLab {
    @Test
    void qdiskDisksAreExportedAsAtTheCutWhileTheGuestWritesAndTheDomainEndsOnItsChain() throws Exception {
        Path a = lab.images().createDisk("web01-a.qcow2", "qcow2", 16 * MIB);
        Path base = lab.images().createDisk("web01-b-base.qcow2", "qcow2", 16 * MIB);
        lab.images().writeOffline(base, "qcow2", 0xb0, 3 * K64, K64);
        Path b = lab.images().createOverlay("web01-b.qcow2", base, "qcow2");
        XenGuest g = lab.create(lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + a,
                "format=qcow2, vdev=xvdb, access=rw, target=" + b));
        Path dir = tmp.resolve("backup");
        XlApply.BackupRun run = XlApply.backupWhileWriting(lab, store, g, dir);
        assertTrue(run.said().stream().anyMatch(l -> l.startsWith("cut disks in one transaction (no pause)")), run.said().toString());
        assertEquals(-1, run.result().pauseMillis(), "qdisk disks are cut without a pause");
        assertTrue(XlApply.same(lab, dir.resolve("xvda.qcow2"), XlApply.reference(lab, "ref-a.qcow2", 0xa1, 0)),
                "xvda as at the cut");
        assertTrue(XlApply.same(lab, dir.resolve("xvdb.qcow2"), XlApply.reference(lab, "ref-b.qcow2", 0xb1, 1, 0xb0, 3)),
                "xvdb as at the cut, its backing file's data included");
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
        Cli.Run refused = lab.xsnap(store, "backup", "app", "--to", tmp.resolve("backup").toString());
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("app disk xvdb (" + data + ") is not served by a QEMU xsnap can reach")
                && refused.out().contains("convert it to qcow2"), refused.out());
        assertFalse(Files.exists(tmp.resolve("backup")), "nothing was done");
        assertEquals("running", g.status());
    }
}
