package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import io.xsnap.plan.Plan;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnXenLab;
import io.xsnap.testing.XenGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Clones of xl domains through the CLI against the test-only xl stand-in (real QEMU guests serving qdisk-style
 * nodes): each clone is started with {@code xl create} or {@code xl restore} from a config derived from the
 * source's xl config file, runs on its own overlay over the shared frozen file, and diverges without touching it.
 */
class XlClonesOnStandInTest extends OnXenLab {
    static final String UUID = "6a1b2c3d-0000-4000-8000-000000000001";
    static final String MAC = "00:16:3e:11:22:33";

    /** web01 on one qcow2 disk, its config with a fixed uuid and a vif with a fixed MAC. */
    private Path web01() {
        Path disk = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        return lab.append(lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk),
                "uuid = \"" + UUID + "\"", "vif = [ 'mac=" + MAC + ",bridge=xenbr0' ]");
    }

    /**
     * web01 running, {@code before} written at offset 0, snapshot {@code name} taken with {@code options} and the
     * config file, then {@code after} written at offset 0.
     */
    private XenGuest web01Snapshotted(String name, int before, int after, String... options) {
        Path cfg = web01();
        XenGuest web01 = lab.create(cfg);
        web01.write("xvda", before, 0, K64);
        List<String> args = new ArrayList<>(List.of("web01", "--name", name, "--xl-config", cfg.toString()));
        args.addAll(List.of(options));
        ok(lab.xsnap(store, "create", args.toArray(String[]::new)));
        web01.write("xvda", after, 0, K64);
        return web01;
    }

    @Test
    void threeClonesOfOneSnapshotDivergeAndDeletingOneLeavesTheOthersAndTheSourceIntact() throws Exception {
        XenGuest web01 = web01Snapshotted("gold", 0x11, 0x55, "--disk-only", "--disk", "xvda=external");
        Path frozen = lab.root().resolve("web01.qcow2");
        String frozenBefore = Digests.sha256(frozen);

        int[] patterns = {0x21, 0x22, 0x23};
        for (int i = 0; i < 3; i++) {
            Cli.Run clone = lab.xsnap(store, "clone", "web01", "gold", "--to", "app" + i, "--start");
            ok(clone);
            assertTrue(clone.out().contains("> app" + i + "/gold"), clone.out());
        }
        for (int i = 0; i < 3; i++) {
            XenGuest g = lab.guest("app" + i);
            assertEquals("running", g.status());
            g.assertReads("xvda", 0x11, 0, K64);
            g.assertReads("xvda", 0x00, K64, K64);
            g.write("xvda", patterns[i], 2 * K64, K64);
        }
        JsonNode app1 = lab.guest("app1").config();
        assertEquals("app1", app1.path("c_info").path("name").asString());
        assertNotEquals(UUID, app1.path("c_info").path("uuid").asString(), "a fresh uuid");
        String mac = app1.path("nics").path(0).path("mac").asString();
        assertTrue(mac.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}") && !mac.equals(MAC), "a fresh MAC: " + app1);
        assertEquals("xenbr0", app1.path("nics").path(0).path("bridge").asString(), "the rest of the vif is kept");
        assertEquals(store.resolve("app1/layers/xvda.1.qcow2").toString(), app1.path("disks").path(0).path("pdev_path").asString());
        assertEquals(UUID, web01.config().path("c_info").path("uuid").asString());

        Cli.Run list = lab.xsnap(store, "list");
        assertTrue(list.out().contains("web01/gold is used by app0, app1, app2"), list.out());

        Cli.Run refused = lab.xsnap(store, "delete", "web01", "gold");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("clone app0, clone app1, clone app2") && refused.out().contains("xsnap delete-clone app0"),
                refused.out());

        ok(lab.xsnap(store, "delete-clone", "app1"));
        assertFalse(lab.listed("app1"), "app1 was destroyed");
        assertFalse(Files.exists(store.resolve("app1")), "the clone's overlay, record and directory are gone");
        assertEquals(frozenBefore, Digests.sha256(frozen), "the shared frozen file never changed (invariant 1)");
        lab.guest("app0").assertReads("xvda", 0x21, 2 * K64, K64);
        lab.guest("app2").assertReads("xvda", 0x23, 2 * K64, K64);
        lab.guest("app2").assertReads("xvda", 0x11, 0, K64);
        web01.assertReads("xvda", 0x55, 0, K64);
        web01.assertReads("xvda", 0x00, 2 * K64, K64);
    }

    @Test
    void aCloneOfAnInternalMemorySnapshotIsRestoredFromItsMemoryUnderItsOwnNameAndUuid() throws Exception {
        XenGuest web01 = web01Snapshotted("warm", 0x31, 0x32, "--disk", "xvda=internal");

        Cli.Run clone = lab.xsnap(store, "clone", "web01", "warm", "--to", "c1", "--start", "--paused");
        ok(clone);
        Path copy = store.resolve("web01/warm/xvda.frozen.qcow2");
        assertTrue(Files.exists(copy));
        XenGuest c1 = lab.guest("c1");
        assertEquals("paused", c1.status(), "restored from the snapshot's memory, left paused");
        assertNotEquals(UUID, c1.config().path("c_info").path("uuid").asString());
        c1.assertReads("xvda", 0x31, 0, K64);
        Cli.Run second = lab.xsnap(store, "clone", "web01", "warm", "--to", "c2");
        ok(second);
        assertFalse(second.out().contains("qemu-img convert"), "the frozen copy is made once: " + second.out());
        assertFalse(lab.listed("c2"), "made, not started");
        web01.assertReads("xvda", 0x32, 0, K64);

        ok(lab.xsnap(store, "delete-clone", "c1"));
        ok(lab.xsnap(store, "delete-clone", "c2"));
        ok(lab.xsnap(store, "delete", "web01", "warm"));
        assertFalse(Files.exists(copy), "the frozen copy goes with the snapshot once no clone uses it");

        // a disk-only internal snapshot: the clone boots cold (xl create) from the copy of the tag
        ok(lab.xsnap(store, "create", "web01", "--name", "cold", "--disk-only", "--disk", "xvda=internal", "--xl-config",
                lab.root().resolve("web01.cfg").toString()));
        ok(lab.xsnap(store, "clone", "web01", "cold", "--to", "c3", "--start"));
        XenGuest c3 = lab.guest("c3");
        assertEquals("running", c3.status());
        c3.assertReads("xvda", 0x32, 0, K64);
        assertTrue(Files.readString(store.resolve("c3/xl-restore.cfg")).contains("target=" + store.resolve("c3/layers/xvda.1.qcow2")));

        // a snapshot of the clone records the config the clone was started with, so it can be cloned in turn
        c3.write("xvda", 0x33, K64, K64);
        ok(lab.xsnap(store, "create", "c3", "--name", "s", "--disk-only", "--disk", "xvda=external"));
        Cli.Run own = lab.xsnap(store, "delete-clone", "c3");
        assertEquals(1, own.code(), own.toString());
        assertTrue(own.out().contains("clone c3 has snapshots of its own: s"), own.out());
        ok(lab.xsnap(store, "clone", "c3", "s", "--to", "c4", "--start"));
        lab.guest("c4").assertReads("xvda", 0x32, 0, K64);
        lab.guest("c4").assertReads("xvda", 0x33, K64, K64);
        c3.write("xvda", 0x34, K64, K64);
        ok(lab.xsnap(store, "revert", "--force", "c3", "s"));
        lab.guest("c3").assertReads("xvda", 0x33, K64, K64);
    }

    /** Ten clones in one plan (as a spec declaring them would make): one restored running, one paused, eight made. */
    @Test
    void tenClonesShareTheFrozenFileOfAnExternalMemorySnapshot() throws Exception {
        XenGuest web01 = web01Snapshotted("m1", 0x61, 0x62, "--disk", "xvda=external");
        Path frozen = lab.root().resolve("web01.qcow2");
        String frozenBefore = Digests.sha256(frozen);

        List<String> said = new ArrayList<>();
        ApplyContext ctx = XlApply.context(lab, store, said::add);
        Actual actual = ctx.observer().observe();
        ClonePlanner planner = new ClonePlanner(ctx.layout(), Instant.now());
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Plan one = planner.clone(actual, "web01", "m1", "c" + i, i == 0 ? RunState.RUNNING : i == 1 ? RunState.PAUSED
                    : RunState.SHUTOFF);
            assertFalse(one.hasErrors(), one.findings().toString());
            changes.addAll(one.changes());
        }
        List<ChangeResult> results = new Executor(ctx).apply(new Plan(Plan.FORMAT_VERSION, Instant.now(), "xl", changes, List.of()));
        assertTrue(results.size() == 10 && results.stream().allMatch(ChangeResult::ok), results + "\n" + said);

        assertEquals("running", lab.guest("c0").status(), "restored from the snapshot's memory (xl restore)");
        assertEquals("paused", lab.guest("c1").status());
        lab.guest("c0").write("xvda", 0x63, 0, K64);
        lab.guest("c1").assertReads("xvda", 0x61, 0, K64);
        web01.assertReads("xvda", 0x62, 0, K64);
        Actual after = ctx.observer().observe();
        for (int i = 0; i < 10; i++) {
            Path overlay = store.resolve("c" + i + "/layers/xvda.1.qcow2");
            ImageInfo image = after.images().stream().filter(img -> img.path().equals(overlay)).findFirst().orElseThrow();
            assertEquals(frozen, image.backingPath(), "c" + i + " builds on the shared frozen file");
            assertEquals(i < 2, lab.listed("c" + i));
        }
        Cli.Run list = lab.xsnap(store, "list");
        assertTrue(list.out().contains("web01/m1 is used by c0, c1, c2, c3, c4, c5, c6, c7, c8, c9"), list.out());

        ok(lab.xsnap(store, "delete-clone", "c1"));
        assertFalse(lab.listed("c1") || Files.exists(store.resolve("c1")), "the paused clone was destroyed and removed");
        Cli.Run refused = lab.xsnap(store, "delete", "web01", "m1");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("clone c0, clone c2, clone c3, clone c4, clone c5, clone c6, clone c7, clone c8, "
                + "clone c9 build on") && refused.out().contains("xsnap delete-clone c9"), refused.out());
        assertEquals(frozenBefore, Digests.sha256(frozen), "ten clones never wrote the frozen file");
        lab.guest("c0").assertReads("xvda", 0x63, 0, K64);
        web01.assertReads("xvda", 0x62, 0, K64);
        assertEquals("running", web01.status());
    }
}
