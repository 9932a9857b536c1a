package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.image.ImageReader;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #13 items 5, 7, 9 and 12 on real guests: after a delete every remaining snapshot reverts to its exact bytes and
 * internal snapshots xsnap did not make stay (invariant 10); a stray file stops a delete before it starts; a layer kept
 * only for a deleted snapshot's tag goes with it; children of a deleted snapshot take its parent.
 */
class DeleteKeepsSnapshotsOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    private static List<String> tags(Path image) {
        return new ImageReader().read(image, "qcow2").snapshots().stream().map(InternalSnapshot::name).toList();
    }

    /** Item 7: A internal, B external on the file holding A, delete B: A still reverts to its bytes. */
    @Test
    void anInternalSnapshotStillRevertsAfterALaterExternalOneIsDeleted() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "A", "--disk-only"));
        g.write("xvda", 0x22, 0, K64);
        ok(cli.host("create", "web01", "--name", "B", "--disk-only", "--disk", "xvda=external"));
        g.write("xvda", 0x33, 0, K64);

        ok(cli.host("delete", "web01", "B"));
        g.assertReads("xvda", 0x33, 0, K64);
        assertEquals(List.of("A"), tags(base), "A's tag stays where it was");
        Cli.Run revert = cli.host("revert", "--force", "web01", "A");
        ok(revert);
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
    }

    /** Item 5: a tag made by hand in an overlay xsnap created survives the delete of the snapshot below it. */
    @Test
    void aTagMadeByHandInAnOverlayIsNeverRemoved() throws IOException {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "e1", "--disk-only", "--disk", "xvda=external"));
        Path overlay = store.resolve("web01/layers/xvda.1.qcow2");
        g.write("xvda", 0x22, 0, K64);
        try (var qmp = g.qmp()) {
            var args = Json.mapper().createObjectNode().put("command-line", "snapshot_blkdev_internal xvda handmade");
            qmp.execute("human-monitor-command", args);
        }
        g.write("xvda", 0x33, 0, K64);
        assertEquals(List.of("handmade"), tags(overlay));

        Cli.Run delete = cli.host("delete", "web01", "e1");
        ok(delete);
        assertTrue(delete.out().contains("'handmade'"), "the plan says why the overlay stays: " + delete.out());
        assertTrue(Files.exists(overlay), "the overlay holding the hand-made tag stays");
        assertEquals(List.of("handmade"), tags(overlay));
        g.assertReads("xvda", 0x33, 0, K64);
        assertFalse(Files.exists(store.resolve("web01/e1")), "the snapshot itself is deleted");
    }

    /** Item 9: a stray file in a snapshot directory stops the delete before its first step, and blocks nothing. */
    @Test
    void aStrayFileStopsADeleteBeforeItStartsAndBlocksNothing() throws IOException {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        ok(cli.host("create", "web01", "--name", "s1", "--disk-only"));
        Path notes = Files.writeString(store.resolve("web01/s1/NOTES.txt"), "why s1 exists\n");

        Cli.Run delete = cli.host("delete", "web01", "s1");
        assertEquals(1, delete.code(), delete.toString());
        assertTrue(delete.out().contains(store.resolve("web01/s1") + " holds NOTES.txt, which xsnap did not make"),
                delete.toString());
        assertFalse(delete.toString().contains("Exception"), delete.toString());
        assertTrue(Files.exists(store.resolve("web01/s1/snapshot.json")), "nothing was changed");
        assertEquals(List.of("s1"), tags(base));
        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertTrue(recover.out().contains("Nothing to recover."), "the journal holds nothing open: " + recover);
        ok(cli.host("create", "web01", "--name", "s2", "--disk-only"));

        Files.move(notes, tmp.resolve("NOTES.txt"));
        ok(cli.host("delete", "web01", "s1"));
        assertEquals(List.of("s2"), tags(base));
        assertEquals("running", g.status());
    }

    /** Item 12: a layer kept only for a deleted snapshot's tag is removed; children take the deleted one's parent. */
    @Test
    void aLayerKeptForADeletedTagGoesAndChildrenTakeTheParent() {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base));
        ok(cli.host("create", "web01", "--name", "e1", "--disk-only", "--disk", "xvda=external"));
        Path l1 = store.resolve("web01/layers/xvda.1.qcow2");
        g.write("xvda", 0x22, 0, K64);
        ok(cli.host("create", "web01", "--name", "A", "--disk-only"));
        ok(cli.host("create", "web01", "--name", "A2", "--disk-only"));
        ok(cli.host("revert", "--force", "web01", "e1"));
        assertTrue(Files.exists(l1), "the revert keeps the layer holding A's and A2's tags");

        Cli.Run list = cli.host("list", "web01", "--json");
        assertEquals("A", parentOf(list, "A2"), list.out());
        ok(cli.host("delete", "web01", "A"));
        list = cli.host("list", "web01", "--json");
        assertEquals("e1", parentOf(list, "A2"), "A2 takes A's parent: " + list.out());
        assertTrue(Files.exists(l1), "A2's tag is still in it");
        Cli.Run last = cli.host("delete", "web01", "A2");
        ok(last);
        assertFalse(Files.exists(l1), "the layer that only held A2's tag goes with it: " + last.out());
        lab.guest("web01").assertReads("xvda", 0x00, 0, K64);
    }

    private static String parentOf(Cli.Run list, String name) {
        for (JsonNode s : Json.mapper().readTree(list.out()).path("snapshots")) {
            if (name.equals(s.path("name").asString())) {
                return s.path("parent").isNull() ? null : s.path("parent").asString();
            }
        }
        throw new AssertionError(name + " not listed: " + list.out());
    }
}
