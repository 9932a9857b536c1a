package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.OnXenLab;
import io.xsnap.testing.XenGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Invariant 8 on the xl driver (against the stand-in): the config a revert derives its restore config from is one xsnap
 * read itself from a config file (or wrote), never a text planted in a manifest; a path outside the store of a domain
 * xl does not list is trusted only when the driver recorded it before xsnap stopped the domain.
 */
class XlTrustOnStandInTest extends OnXenLab {
    @Test
    void aConfigTextPlantedInTheManifestIsNeverRun() throws IOException {
        Path disk = lab.images().createDisk("web01.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x11, 0, K64);
        ok(lab.xsnap(store, "create", "web01", "--name", "s1", "--disk-only", "--xl-config", cfg.toString()));
        g.write("xvda", 0x22, 0, K64);
        Path manifest = store.resolve("web01/s1/snapshot.json");
        byte[] pristine = Files.readAllBytes(manifest);
        long domid = g.domid();
        Path evil = lab.root().resolve("evil-bootloader.sh");
        edit(manifest, m -> {
            ObjectNode restart = (ObjectNode) m.get("restart");
            restart.put("xl_config_text", "bootloader = \"" + evil + "\"\n" + restart.get("xl_config_text").asString());
        });
        Cli.Run revert = lab.xsnap(store, "revert", "--force", "web01", "s1");
        assertTrue(revert.code() != 0 && (revert.out() + revert.err()).contains(manifest
                + ": restart.xl_config_text cannot be trusted: it is no config text xsnap read itself for web01"),
                revert.toString());
        assertEquals(domid, lab.guest("web01").domid(), "the domain was not stopped");
        assertEquals("running", g.status());
        Path derived = store.resolve("web01/xl-restore.cfg");
        assertFalse(Files.exists(derived) && Files.readString(derived).contains("bootloader"),
                "no restore config with the planted key");

        // the genuine manifest reverts, and a planted restore config in the store is not taken for one xsnap wrote
        Files.write(manifest, pristine);
        Files.delete(cfg);
        ok(lab.xsnap(store, "revert", "--force", "web01", "s1"));
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        Files.writeString(derived, "bootloader = \"" + evil + "\"\n" + Files.readString(derived));
        Cli.Run create = lab.xsnap(store, "create", "web01", "--name", "s2", "--disk-only");
        ok(create);
        String s2 = Files.readString(store.resolve("web01/s2/snapshot.json"));
        assertFalse(s2.contains("bootloader"), "the planted restore config is not recorded as the domain's: " + s2);
    }

    @Test
    void aDomainDestroyedByHandVouchesForNoFileOutsideTheStore() throws IOException {
        Path disk = lab.images().createDisk("db01.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("db01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x31, 0, K64);
        ok(lab.xsnap(store, "create", "db01", "--name", "i1", "--disk-only", "--disk", "xvda=internal",
                "--xl-config", cfg.toString()));
        lab.xl("destroy", "db01");
        Path outside = Files.createDirectories(lab.root().resolve("outside"));
        Path sentinel = outside.resolve("sentinel.qcow2");
        Files.copy(disk, sentinel, StandardCopyOption.COPY_ATTRIBUTES);
        String before = Digests.sha256(sentinel);
        Path manifest = store.resolve("db01/i1/snapshot.json");
        edit(manifest, m -> ((ObjectNode) ((ArrayNode) m.get("disks")).get(0)).put("image", sentinel.toString()));
        Cli.Run revert = lab.xsnap(store, "revert", "--force", "db01", "i1");
        assertTrue(revert.code() != 0 && (revert.out() + revert.err()).contains(manifest + " is damaged: disks[0].image")
                && (revert.out() + revert.err()).contains("xsnap did not see db01 stop"), revert.toString());
        // the xl config named for db01 vouches for its own disk, not for the file the forged record names
        revert = lab.xsnap(store, "revert", "--force", "db01", "i1", "--xl-config", cfg.toString());
        assertTrue(revert.code() != 0 && (revert.out() + revert.err()).contains(manifest + " is damaged: disks[0].image")
                && (revert.out() + revert.err()).contains("disks of the xl config named for db01"), revert.toString());
        assertEquals(before, Digests.sha256(sentinel), "the sentinel keeps its bytes");
        assertFalse(lab.listed("db01"), "nothing was started");
    }

    @Test
    void aDomainDestroyedByHandIsRevertedFromTheDisksItsNamedConfigLists() throws IOException {
        Path disk = lab.images().createDisk("db02.qcow2", "qcow2", 16 * MIB);
        Path cfg = lab.config("db02", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x31, 0, K64);
        ok(lab.xsnap(store, "create", "db02", "--name", "i1", "--disk-only", "--disk", "xvda=internal",
                "--xl-config", cfg.toString()));
        g.write("xvda", 0x32, 0, K64);
        lab.xl("destroy", "db02");
        Cli.Run refused = lab.xsnap(store, "revert", "--force", "db02", "i1");
        assertTrue(refused.code() != 0 && (refused.out() + refused.err()).contains("xsnap did not see db02 stop"),
                "without its config nothing vouches for the disk outside the store: " + refused);
        assertFalse(lab.listed("db02"), "the refused revert started nothing");
        ok(lab.xsnap(store, "revert", "--force", "db02", "i1", "--xl-config", cfg.toString()));
        assertTrue(lab.listed("db02"), "the revert started db02 from its config");
        lab.guest("db02").assertReads("xvda", 0x31, 0, K64);
    }

    private static void edit(Path file, Consumer<ObjectNode> change) {
        try {
            ObjectNode doc = (ObjectNode) Json.mapper().readTree(Files.readAllBytes(file));
            change.accept(doc);
            Files.write(file, Json.mapper().writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
