package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** External snapshot chains on real guests: deleting in the middle, and gold images shared by two guests. */
class ChainsOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    /** Guest-visible bytes of a chain as a checksum, to show a frozen file's content never changes (invariant 1). */
    private String content(Path image) {
        Path raw = tmp.resolve("content-" + System.nanoTime() + ".raw");
        try {
            lab.qemuImg().convert(image, "qcow2", raw, "raw");
            return Digests.sha256(raw);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            raw.toFile().delete();
        }
    }

    @Test
    void deletingTheMiddleOfAThreeSnapshotChainKeepsTheOthersRevertable() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        int[] patterns = {0x11, 0x22, 0x33};
        for (int i = 0; i < 3; i++) {
            g.write("xvda", patterns[i], i * K64, K64);
            ok(cli.host("create", "web01", "--name", "s" + (i + 1), "--disk-only", "--disk", "xvda=external"));
        }
        g.write("xvda", 0x44, 0, K64);
        Path l1 = store.resolve("web01/layers/xvda.1.qcow2");
        Path l2 = store.resolve("web01/layers/xvda.2.qcow2");
        String s3Before = content(l2);

        Cli.Run delete = cli.host("delete", "web01", "s2");
        ok(delete);
        assertTrue(delete.out().contains("stream"), "l2 is s3's frozen file, so l1 streams into it: " + delete.out());
        assertFalse(Files.exists(l1), "s2's frozen layer left the chain and was removed");
        assertEquals(s3Before, content(l2), "s3's frozen file reads exactly as before (invariant 1)");
        assertEquals("running", g.status());
        g.assertReads("xvda", 0x44, 0, K64);
        g.assertReads("xvda", 0x22, K64, K64);

        ok(cli.host("revert", "--force", "web01", "s3"));
        TestGuest back = lab.guest("web01");
        back.assertReads("xvda", 0x11, 0, K64);
        back.assertReads("xvda", 0x22, K64, K64);
        back.assertReads("xvda", 0x33, 2 * K64, K64);
        ok(cli.host("revert", "--force", "web01", "s1"));
        back = lab.guest("web01");
        back.assertReads("xvda", 0x11, 0, K64);
        back.assertReads("xvda", 0x00, K64, K64);
        Cli.Run list = cli.host("list", "web01");
        assertTrue(list.out().contains("* s1"), list.out());
    }

    @Test
    void aGoldImageSharedByAnotherGuestIsNeverMergedOrDeleted() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest web01 = lab.start("web01", Disk.qcow2("xvda", base));
        web01.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "s1", "--disk-only", "--disk", "xvda=external"));
        web01.write("xvda", 0x22, 0, K64);
        ok(cli.host("create", "web01", "--name", "gold", "--disk-only", "--disk", "xvda=external"));
        Path gold = store.resolve("web01/layers/xvda.1.qcow2");
        // an administrator clones the frozen state for a second guest
        Path clone = lab.createOverlay("web02.qcow2", gold, "qcow2");
        TestGuest web02 = lab.start("web02", Disk.qcow2("xvda", clone));
        String goldBefore = content(gold);

        Cli.Run delete = cli.host("delete", "web01", "gold");
        assertEquals(1, delete.code(), delete.toString());
        assertTrue(delete.out().contains("domain web02") && delete.out().contains("refused"), delete.out());
        assertTrue(Files.exists(gold), "the gold image stays");
        assertTrue(Files.exists(store.resolve("web01/gold/snapshot.json")), "and so does the snapshot");
        assertEquals(goldBefore, content(gold));
        web02.assertReads("xvda", 0x22, 0, K64);
        web01.assertReads("xvda", 0x22, 0, K64);

        // s1's frozen file is the user's base, under the gold layer web02 builds on: refused as well
        Cli.Run s1 = cli.host("delete", "web01", "s1");
        assertEquals(1, s1.code(), s1.toString());
        assertTrue(s1.out().contains("domain web02"), s1.out());
        assertTrue(Files.exists(base) && Files.exists(gold));
        web02.assertReads("xvda", 0x22, 0, K64);
    }

    @Test
    void deletingTheOnlyExternalSnapshotCommitsTheLayerBackIntoTheUsersDisk() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "only", "--disk-only", "--disk", "xvda=external"));
        g.write("xvda", 0x22, 0, K64);
        Cli.Run delete = cli.host("delete", "web01", "only");
        ok(delete);
        assertTrue(delete.out().contains("commit"), delete.out());
        assertFalse(Files.exists(store.resolve("web01/layers/xvda.1.qcow2")));
        g.assertReads("xvda", 0x22, 0, K64);
        Cli.Run observe = cli.host("observe");
        assertTrue(observe.out().contains("xvda   qcow2 " + base), "the guest writes its own disk again: " + observe.out());
        g.quit();
        lab.assertReadsOffline(base, "qcow2", 0x22, 0, K64);
        assertTrue(new QemuImg(lab.runner()).check(base, "qcow2").consistent());
    }
}
