package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import io.xsnap.testing.OnXenLab;
import io.xsnap.testing.PrivateDir;
import io.xsnap.testing.XenGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The xl driver through the CLI against the test-only xl stand-in (real QEMU guests serving qdisk-style nodes):
 * create, revert with a config derived from the domain's xl config file, delete; raw disks refused where they
 * cannot be copied by reflink. The reflink path itself is in {@link XlReflinkOnStandInTest}.
 */
class XlOnStandInTest extends OnXenLab {
    /** Where a cfgfile's memory_path points: outside the store, in a directory only this user can write. */
    private PrivateDir snapshots;

    @BeforeEach
    void snapshotsDir() {
        snapshots = new PrivateDir("xl-snapshots");
    }

    @AfterEach
    void removeSnapshotsDir() {
        snapshots.close();
    }

    private Path qcow2(String name) {
        return lab.images().createDisk(name, "qcow2", 16 * MIB);
    }

    @Test
    void internalSnapshotWithMemoryRevertsThroughADerivedConfigAndIsDeletedOverQmp() throws IOException {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x11, 0, K64);

        Cli.Run create = lab.xsnap(store, "create", "web01", "--name", "s1", "--xl-config", cfg.toString());
        ok(create);
        assertTrue(create.out().contains("xvda internal 's1'"), create.out());
        assertEquals("running", g.status(), "xl unpause after the cut: the domain was running");
        assertTrue(create.out().matches("(?s).*web01/s1: done \\(domain paused \\d+ ms\\).*"),
                "the pause from the start of xl save -p to xl unpause, and no downtime (xl reports none): " + create.out());
        String manifest = Files.readString(store.resolve("web01/s1/snapshot.json"));
        assertTrue(manifest.contains("\"driver\" : \"xl\""), manifest);
        assertTrue(manifest.contains("xl_config_text"), "the xl config file is kept with the snapshot: " + manifest);
        Cli.Run images = Cli.run("images", store.resolve("web01/s1/memory.save").toString());
        ok(images);
        assertTrue(images.out().contains("domain web01"), images.out());
        assertTrue(images.out().contains("xvda"), images.out());

        g.write("xvda", 0x22, 0, K64);
        Files.delete(cfg); // the revert works from the copy kept in the manifest
        ok(lab.xsnap(store, "revert", "--force", "web01", "s1"));
        XenGuest back = lab.guest("web01");
        assertEquals("running", back.status());
        back.assertReads("xvda", 0x11, 0, K64);
        String derived = Files.readString(store.resolve("web01/xl-restore.cfg"));
        assertTrue(derived.contains("target=" + disk), derived);

        Cli.Run delete = lab.xsnap(store, "delete", "web01", "s1");
        ok(delete);
        assertTrue(delete.err().contains("through web01's QEMU"), delete.toString());
        Cli.Run info = Cli.run("images", disk.toString());
        assertFalse(info.out().contains("s1"), info.out());
    }

    @Test
    void externalSnapshotRevertsOntoANewLayerAndDeleteMergesLive() throws IOException {
        Path disk = qcow2("db01.qcow2");
        Path cfg = lab.config("db01", disk + ",qcow2,xvda,rw");
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x31, 0, K64);
        ok(lab.xsnap(store, "create", "db01", "--name", "e1", "--disk", "xvda=external", "--xl-config", cfg.toString()));
        Path layer1 = store.resolve("db01/layers/xvda.1.qcow2");
        Cli.Run observed = lab.xsnap(store, "observe", "--json");
        assertTrue(observed.out().contains(layer1.toString()), "QMP says the domain now writes the overlay: " + observed);
        g.write("xvda", 0x32, 0, K64);

        ok(lab.xsnap(store, "revert", "--force", "--paused", "db01", "e1"));
        XenGuest back = lab.guest("db01");
        assertEquals("paused", back.status());
        back.assertReads("xvda", 0x31, 0, K64);
        Path layer2 = store.resolve("db01/layers/xvda.2.qcow2");
        assertTrue(Files.readString(store.resolve("db01/xl-restore.cfg")).contains("target=" + layer2));
        assertFalse(Files.exists(layer1), "the discarded current layer is removed");

        ok(lab.xsnap(store, "delete", "db01", "e1"));
        back.assertReads("xvda", 0x31, 0, K64);
        assertFalse(Files.exists(store.resolve("db01/e1")));
    }

    @Test
    void aRawDiskOnAFilesystemWithoutReflinkIsRefusedInThePlanAndCanBeExcluded() {
        Path root = qcow2("app.qcow2");
        Path data = lab.images().createDisk("app-data.raw", "raw", 8 * MIB);
        Path cfg = lab.config("app", "format=qcow2, vdev=xvda, access=rw, target=" + root,
                "format=raw, vdev=xvdb, access=rw, target=" + data);
        XenGuest g = lab.create(cfg);
        Cli.Run refused = lab.xsnap(store, "create", "app", "--name", "x");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("xvdb"), refused.out());
        assertTrue(refused.out().contains("convert it to qcow2"), refused.out());
        assertTrue(refused.out().contains("xvdb: exclude"), refused.out());
        assertFalse(Files.exists(store.resolve("app/x")), "nothing was done");
        assertEquals("running", g.status());

        ok(lab.xsnap(store, "create", "app", "--name", "x", "--disk", "xvdb=exclude"));
    }

    @Test
    void crashedDomainsStubDomainsAndLiveSavesAreRefused() {
        Path a = qcow2("a.qcow2");
        lab.create(lab.config("crashy", "format=qcow2, vdev=xvda, access=rw, target=" + a));
        lab.markShutdown("crashy", "crash");
        Cli.Run crashed = lab.xsnap(store, "create", "crashy", "--name", "x");
        assertEquals(1, crashed.code(), crashed.toString());
        assertTrue(crashed.out().contains("crashy is crashed"), crashed.out());

        Path b = qcow2("b.qcow2");
        Path stub = lab.config("stubby", "format=qcow2, vdev=xvda, access=rw, target=" + b);
        try {
            Files.writeString(stub, Files.readString(stub) + "device_model_stubdomain_override = 1\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        lab.create(stub);
        Cli.Run stubbed = lab.xsnap(store, "create", "stubby", "--name", "x", "--disk-only");
        assertEquals(1, stubbed.code(), stubbed.toString());
        assertTrue(stubbed.out().contains("stub-domain device model"), stubbed.out());

        Cli.Run live = lab.xsnap(store, "create", "stubby", "--name", "x", "--live", "--disk", "xvda=exclude");
        assertEquals(1, live.code(), live.toString());
        assertTrue(live.out().contains("xl save has no live mode"), live.out());
        assertTrue(live.out().contains("log-dirty mode"), live.out());
    }

    /** The seed's interface: snapshot-create with its cfgfile, snapshot-revert, a broken cfgfile, the directory form. */
    @Test
    void snapshotCreateAndRevertWithTheSeedsCfgfile() throws IOException {
        Path hda = qcow2("web01-hda.qcow2");
        Path hdb = qcow2("web01-hdb.qcow2");
        Path cfg = lab.config("web01", hda + ",qcow2,hda,rw", hdb + ",qcow2,hdb,rw");
        XenGuest g = lab.create(cfg);
        g.write("hda", 0x51, 0, K64);
        g.write("hdb", 0x52, 0, K64);
        Path hdaSnap = tmp.resolve("snaps/hda_snap.qcow2");
        Path snapCfg = tmp.resolve("snap.cfg");
        Path saved = snapshots.resolve("snap1.save");
        Files.writeString(snapCfg, "name=\"snap1\"\ndescription=\"before the upgrade\"\n"
                + "memory_path=\"" + saved + "\"\n"
                + "disks=['" + hdaSnap + ",qcow2,hda', ',,hdb']\n");

        Cli.Run create = lab.xsnap(store, "snapshot-create", "web01", snapCfg.toString(), "--xl-config", cfg.toString());
        assertEquals(0, create.code(), create.toString());
        assertTrue(create.out().contains("new active layer " + hdaSnap), create.out());
        assertTrue(create.out().contains("hdb internal 'snap1'"), create.out());
        assertTrue(create.out().contains("save memory to " + saved + " with xl save -p"), create.out());
        assertFalse(Files.exists(store.resolve("web01/snap1/memory.save")), "memory is where the cfgfile says");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        Cli.Run images = Cli.run("images", saved.toString());
        assertTrue(images.out().contains("domain web01"), "an xl save file: " + images);
        assertTrue(Files.readString(store.resolve("web01/snap1/snapshot.json")).contains("\"file\" : \"" + saved + "\""));
        Path record;
        try (var records = Files.list(io.xsnap.host.TrustedState.storeDir(Path.of(System.getenv("XSNAP_TRUST_DIR")), store).resolve("memory"))) {
            record = records.findFirst().orElseThrow();
        }
        assertTrue(Files.readString(record).contains(saved.toString()), "the xl driver's trusted state vouches for it");
        assertTrue(Files.readString(store.resolve("web01/snap1/snapshot.json")).contains("\"description\" : \"before the upgrade\""),
                "the cfgfile's description is kept in the manifest");
        Cli.Run list = lab.xsnap(store, "list", "web01");
        assertTrue(list.out().contains("): before the upgrade"), list.toString());
        assertTrue(list.out().contains(" in " + saved + ","), list.toString());

        g.write("hda", 0x61, 0, K64);
        g.write("hdb", 0x62, 0, K64);
        Cli.Run revert = lab.xsnap(store, "snapshot-revert", "web01", snapCfg.toString(), "--force");
        assertEquals(0, revert.code(), revert.toString());
        XenGuest back = lab.guest("web01");
        back.assertReads("hda", 0x51, 0, K64);
        back.assertReads("hdb", 0x52, 0, K64);
        assertTrue(revert.out().contains("start web01 from " + saved), "restored from the file outside: " + revert);

        Path broken = tmp.resolve("broken.cfg");
        Files.writeString(broken, "name=\"snap2\"\ndisks=['" + hdaSnap + ",qcow2']\n");
        Cli.Run refused = lab.xsnap(store, "snapshot-create", "web01", broken.toString());
        assertEquals(65, refused.code(), refused.toString());
        assertTrue(refused.err().contains(broken + ":2: disk '" + hdaSnap + ",qcow2' must be 'PATH,FORMAT,VDEV'"),
                refused.err());

        Path dir = tmp.resolve("snap3");
        Cli.Run inDir = lab.xsnap(store, "snapshot-create", "--external", "--name", "snap3", "web01", dir.toString());
        assertEquals(0, inDir.code(), inDir.toString());
        assertTrue(Files.isRegularFile(dir.resolve("hda.qcow2")) && Files.isRegularFile(dir.resolve("hdb.qcow2")),
                inDir.toString());
    }

    /**
     * The seed's story: seed1's cfgfile puts hda's new layer outside the store, seed2 (memory, internal) keeps its hda
     * tag in that layer. A revert to seed1 takes the layer out of the chain; the persistent record xsnap made of it
     * still vouches for it, so seed2 is whole, revertable and deletable. Then a reboot (the run directory wiped): a
     * memory file outside the store is still vouched, and its snapshot reverts and deletes.
     */
    @Test
    void snapshotsInALayerOutsideTheStoreStayWholeAfterARevertAndAReboot() throws IOException {
        Path hda = qcow2("web01-hda.qcow2");
        Path hdb = qcow2("web01-hdb.qcow2");
        Path cfg = lab.config("web01", hda + ",qcow2,hda,rw", hdb + ",qcow2,hdb,rw");
        XenGuest g = lab.create(cfg);
        g.write("hda", 0x11, 0, K64);
        g.write("hdb", 0x12, 0, K64);
        Path layer = snapshots.resolve("hda_seed1.qcow2");
        Path seed1 = tmp.resolve("seed1.cfg");
        Files.writeString(seed1, "name=\"seed1\"\ndisks=['" + layer + ",qcow2,hda', ',,hdb']\n");
        ok(lab.xsnap(store, "snapshot-create", "web01", seed1.toString(), "--xl-config", cfg.toString()));
        assertTrue(Files.isRegularFile(layer));
        g.write("hda", 0x21, 0, K64);
        g.write("hdb", 0x22, 0, K64);
        ok(lab.xsnap(store, "create", "web01", "--name", "seed2", "--disk", "hda=internal", "--disk", "hdb=internal",
                "--xl-config", cfg.toString()));
        g.write("hda", 0x31, 0, K64);

        ok(lab.xsnap(store, "revert", "web01", "seed1", "--force"));
        lab.guest("web01").assertReads("hda", 0x11, 0, K64);
        Cli.Run list = lab.xsnap(store, "list", "web01");
        ok(list);
        assertFalse(list.out().contains("damaged"), "seed2's tag lives in a layer xsnap made: " + list);
        assertTrue(list.out().contains("seed2"), list.toString());

        ok(lab.xsnap(store, "revert", "web01", "seed2", "--force"));
        lab.guest("web01").assertReads("hda", 0x21, 0, K64);
        lab.guest("web01").assertReads("hdb", 0x22, 0, K64);

        Cli.Run delete = lab.xsnap(store, "delete", "web01", "seed2");
        ok(delete);
        assertFalse(lab.xsnap(store, "list", "web01").out().contains("seed2"));
        assertTrue(Files.isRegularFile(layer), "the layer holds the domain's chain still: " + delete);
        lab.guest("web01").assertReads("hda", 0x21, 0, K64);

        // a reboot: /run's part of the trusted state is gone; the persistent records are not
        Path saved = snapshots.resolve("m1.save");
        Path m1 = tmp.resolve("m1.cfg");
        Files.writeString(m1, "name=\"m1\"\nmemory_path=\"" + saved + "\"\n");
        ok(lab.xsnap(store, "snapshot-create", "web01", m1.toString(), "--xl-config", cfg.toString()));
        lab.guest("web01").write("hda", 0x41, 0, K64);
        deleteTree(lab.runDir().resolve("xsnap"));
        Cli.Run after = lab.xsnap(store, "list", "web01");
        ok(after);
        assertFalse(after.out().contains("damaged"), "the records outlive the run directory: " + after);
        ok(lab.xsnap(store, "revert", "web01", "m1", "--force", "--xl-config", cfg.toString()));
        lab.guest("web01").assertReads("hda", 0x21, 0, K64);
        Cli.Run gone = lab.xsnap(store, "delete", "web01", "m1");
        ok(gone);
        assertTrue(gone.out().contains("! deletes " + saved), gone.toString());
        assertFalse(Files.exists(saved), "removed with its snapshot");
    }

    /**
     * xsnap killed after it made a cfgfile's layer outside the store, before the cut: recovery removes that layer (its
     * persistent record says xsnap made it for this snapshot) and forgets the record; a file beside it stays.
     */
    @Test
    void recoveryOfAKilledCreateRemovesTheLayerItMadeOutsideTheStoreAndItsRecord() throws IOException {
        Path hda = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", hda + ",qcow2,hda,rw");
        XenGuest g = lab.create(cfg);
        g.write("hda", 0x71, 0, K64);
        Path beside = snapshots.resolve("beside.qcow2");
        Files.writeString(beside, "not xsnap's");
        Path layer = snapshots.resolve("hda_k1.qcow2");
        Path k1 = tmp.resolve("k1.cfg");
        Files.writeString(k1, "name=\"k1\"\ndisks=['" + layer + ",qcow2,hda']\n");
        io.xsnap.testing.XsnapProcess.Run killed = lab.process(store, java.util.Map.of())
                .run("cut", "snapshot-create", "web01", k1.toString(), "--xl-config", cfg.toString());
        assertEquals("cut", killed.stoppedAt(), killed.toString());
        assertTrue(Files.isRegularFile(layer), "made before the cut: " + killed);
        Path records = io.xsnap.host.TrustedState.storeDir(Path.of(System.getenv("XSNAP_TRUST_DIR")), store)
                .resolve("layers");
        try (var left = Files.list(records)) {
            assertEquals(1, left.count(), "recorded before it was made");
        }
        Cli.Run recover = lab.xsnap(store, "recover");
        ok(recover);
        assertTrue(recover.out().contains("! deletes " + layer), recover.toString());
        assertFalse(Files.exists(layer), "the layer xsnap made is removed\n" + recover);
        assertEquals("not xsnap's", Files.readString(beside));
        try (var left = Files.list(records)) {
            assertEquals(0, left.count(), "and its record");
        }
        assertFalse(Files.exists(store.resolve("web01/k1")));
        assertEquals("running", lab.guest("web01").status(), recover.toString());
        lab.guest("web01").assertReads("hda", 0x71, 0, K64);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * A cfgfile's memory_path on xl: the delete's plan shows the file outside the store, and the delete removes it and
     * the xl driver's record of it; a kill inside {@code xl save} to such a file leaves, after recovery, no partial
     * file and nothing else changed.
     */
    @Test
    void aMemoryFileOutsideTheStoreIsDeletedWithItsSnapshotAndAKilledSaveLeavesNone() throws Exception {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x71, 0, K64);
        Path saved = snapshots.resolve("m1.save");
        Path snapCfg = tmp.resolve("m1.cfg");
        Files.writeString(snapCfg, "name=\"m1\"\nmemory_path=\"" + saved + "\"\n");
        ok(lab.xsnap(store, "snapshot-create", "web01", snapCfg.toString(), "--xl-config", cfg.toString()));
        assertTrue(Files.isRegularFile(saved));
        Cli.Run delete = lab.xsnap(store, "delete", "web01", "m1");
        ok(delete);
        assertTrue(delete.out().contains("! deletes " + saved), "the plan shows it: " + delete);
        assertFalse(Files.exists(saved), "removed with the snapshot");
        Path records = io.xsnap.host.TrustedState.storeDir(Path.of(System.getenv("XSNAP_TRUST_DIR")), store).resolve("memory");
        try (var left = Files.list(records)) {
            assertEquals(0, left.count(), "and its record");
        }

        Path beside = snapshots.resolve("beside.save");
        Files.writeString(beside, "not xsnap's");
        Path m2 = snapshots.resolve("m2.save");
        Files.writeString(snapCfg, "name=\"m2\"\nmemory_path=\"" + m2 + "\"\n");
        io.xsnap.testing.XsnapProcess.Started create = lab.process(store, java.util.Map.of("XL_STANDIN_SAVE_WAIT", "8"))
                .start(null, "snapshot-create", "web01", snapCfg.toString(), "--xl-config", cfg.toString());
        long deadline = System.nanoTime() + 120_000_000_000L;
        while ((!Files.exists(m2) || Files.size(m2) == 0) && create.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(500);
        assertTrue(Files.exists(m2) && create.isAlive(), "inside xl save");
        create.kill();
        Cli.Run recover = lab.xsnap(store, "recover");
        ok(recover);
        assertTrue(recover.out().contains("! deletes " + m2), recover.toString());
        assertFalse(Files.exists(m2), "the partial save xsnap made is removed\n" + recover);
        assertEquals("not xsnap's", Files.readString(beside));
        try (var left = Files.list(snapshots.path())) {
            assertEquals(java.util.List.of(beside), left.toList());
        }
        assertFalse(Files.exists(store.resolve("web01/m2")));
        assertEquals("running", lab.guest("web01").status(), recover.toString());
        lab.guest("web01").assertReads("xvda", 0x71, 0, K64);
    }

    /** The Ansible module's reconcile hands a spec's xlConfig to the driver, so the snapshot records the config. */
    @Test
    void reconcileRecordsTheXlConfigTheSpecNames() throws IOException {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        lab.create(cfg);
        Path request = tmp.resolve("request.json");
        Files.writeString(request, """
                {"module": "reconcile", "check_mode": false, "params": {"spec": [
                  "apiVersion: xsnap/v1\\nkind: DomainSnapshots\\ndomain: web01\\nxlConfig: %s\\nsnapshots:\\n  - name: s1\\n    memory: false\\n"
                ]}}
                """.formatted(cfg));
        Cli.Run r = lab.xsnap(store, "module", "--input", request.toString());
        ok(r);
        String manifest = Files.readString(store.resolve("web01/s1/snapshot.json"));
        assertTrue(manifest.matches("(?s).*\"xl_config_file\"\\s*:\\s*\"" + java.util.regex.Pattern.quote(cfg.toString())
                + "\".*"), manifest);
    }

    /**
     * The Ansible snapshot module's xl_config reaches the driver as --xl-config does, so a snapshot taken through it
     * records the config and a revert through it restores the domain (in the lab, ci/xen-lab/host-ansible.sh, a
     * snapshot taken without it was one xsnap could not revert: nothing named the file the domain came from).
     */
    @Test
    void theSnapshotModuleRecordsTheXlConfigItNames() throws IOException {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        lab.create(cfg);
        Path request = tmp.resolve("request.json");
        Files.writeString(request, """
                {"module": "snapshot", "check_mode": false, "params": {"domain": "web01", "name": "m1",
                  "memory": false, "xl_config": "%s"}}
                """.formatted(cfg));
        ok(lab.xsnap(store, "module", "--input", request.toString()));
        String manifest = Files.readString(store.resolve("web01/m1/snapshot.json"));
        assertTrue(manifest.matches("(?s).*\"xl_config_file\"\\s*:\\s*\"" + java.util.regex.Pattern.quote(cfg.toString())
                + "\".*"), manifest);

        Files.writeString(request, """
                {"module": "snapshot", "check_mode": false, "params": {"domain": "web01", "name": "m1",
                  "state": "reverted", "force": true, "xl_config": "%s"}}
                """.formatted(cfg));
        ok(lab.xsnap(store, "module", "--input", request.toString()));
        assertEquals("running", lab.guest("web01").status());

        Files.writeString(request, """
                {"module": "snapshot", "check_mode": false, "params": {"domain": "web01", "name": "m2",
                  "xl_config": "web01.cfg"}}
                """);
        Cli.Run relative = lab.xsnap(store, "module", "--input", request.toString());
        assertEquals(64, relative.code(), relative.toString());
        assertTrue(relative.out().contains("xl_config must be an absolute path, not 'web01.cfg'"), relative.toString());
    }

    /**
     * On real Xen 4.17 in the lab (nested, a loaded host) a revert's {@code xl create} failed on libxl's timeouts
     * (a raw disk's hotplug script, the device model's start), leaving nothing, and worked when run again. The driver
     * tries a start that left nothing once more; when that fails too, the revert fails naming xl's error, the domain
     * is off, and the next run's recovery starts it from the snapshot.
     */
    @Test
    void aStartThatFailedAndLeftNothingIsTriedOnceMore() throws IOException {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        g.write("xvda", 0x31, 0, K64);
        ok(lab.xsnap(store, "create", "web01", "--name", "m1", "--xl-config", cfg.toString()));
        g.write("xvda", 0x32, 0, K64);

        lab.failStarts(1);
        ok(lab.xsnap(store, "revert", "--force", "web01", "m1"));
        XenGuest back = lab.guest("web01");
        assertEquals("running", back.status());
        back.assertReads("xvda", 0x31, 0, K64);

        lab.failStarts(2);
        Cli.Run failed = lab.xsnap(store, "revert", "--force", "web01", "m1");
        assertTrue(failed.code() != 0, failed.toString());
        assertTrue(failed.out().concat(failed.err()).contains("block add because of timeout"), failed.toString());
        assertFalse(lab.listed("web01"), "both starts failed: the domain is off");
        ok(lab.xsnap(store, "recover"));
        XenGuest recovered = lab.guest("web01");
        assertEquals("running", recovered.status());
        recovered.assertReads("xvda", 0x31, 0, K64);
    }

    /**
     * Xen refuses to unpause a domain that is not paused, and so does the stand-in: resuming after a save that failed
     * before its pause (or recovering one) leaves a running domain as it is, and unpauses a paused one.
     */
    @Test
    void resumeUnpausesOnlyAPausedDomain() throws IOException {
        Path disk = qcow2("web01.qcow2");
        XenGuest g = lab.create(lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk));
        io.xsnap.host.exec.CommandException refused = org.junit.jupiter.api.Assertions.assertThrows(
                io.xsnap.host.exec.CommandException.class, () -> lab.images().runner().run(
                        io.xsnap.host.exec.Command.of(lab.xl().toString(), "unpause", "web01")));
        assertTrue(refused.getMessage().contains("Invalid argument"), "xl unpause of a running domain fails, as on Xen: "
                + refused.getMessage());

        io.xsnap.host.xl.XlDriver driver = XlApply.driver(lab, store);
        io.xsnap.host.DomainInfo web01 = driver.list().stream().filter(d -> d.name().equals("web01")).findFirst().orElseThrow();
        driver.resume(web01);
        assertEquals("running", g.status());
        driver.pause(web01);
        assertEquals("paused", g.status());
        driver.resume(web01);
        assertEquals("running", g.status());
    }

    /**
     * A PV guest suspends cooperatively: on real Xen 4.17 (ci/xen-lab.sh) {@code xl save} of a paused domain waited
     * ~60 s and failed with "guest didn't acknowledge suspend", the domain left paused. The stand-in's xl fails the
     * same way, and xsnap does not even try: a memory snapshot of a paused domain is refused in the plan, naming the
     * domain, why and the way out, before anything is made (no snapshot directory, no journal entry) and the domain
     * still paused.
     */
    @Test
    void aPausedDomainIsRefusedAMemorySnapshotAsXenCannotSuspendIt() throws IOException {
        Path disk = qcow2("web01.qcow2");
        Path cfg = lab.config("web01", "format=qcow2, vdev=xvda, access=rw, target=" + disk);
        XenGuest g = lab.create(cfg);
        lab.xl("pause", "web01");
        io.xsnap.host.exec.CommandException xenRefuses = org.junit.jupiter.api.Assertions.assertThrows(
                io.xsnap.host.exec.CommandException.class, () -> lab.xl("save", "-p", "web01",
                        lab.root().resolve("paused.save").toString()));
        assertTrue(xenRefuses.getMessage().contains("guest didn't acknowledge suspend"), xenRefuses.getMessage());
        assertEquals("paused", g.status());

        Cli.Run create = lab.xsnap(store, "create", "web01", "--name", "p1", "--xl-config", cfg.toString());
        assertTrue(create.code() != 0, create.toString());
        String said = create.out().concat(create.err());
        assertTrue(said.contains("web01 is paused: xl save needs the guest running to acknowledge its suspend"), said);
        assertTrue(said.contains("unpause it first (xl unpause web01), or take a disk-only snapshot"), said);
        assertFalse(Files.exists(store.resolve("web01/p1")), "refused in the plan: nothing was made");
        assertFalse(Files.exists(store.resolve(".journal")) && Files.readString(store.resolve(".journal")).contains("p1"),
                "refused in the plan: no change began");
        assertEquals("paused", g.status(), "xsnap leaves the domain paused as it found it");
        lab.xl("unpause", "web01");
        ok(lab.xsnap(store, "create", "web01", "--name", "r1", "--xl-config", cfg.toString()));
        assertEquals("running", g.status());
    }
}
