package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.PrivateDir;
import io.xsnap.testing.RamGuest;
import io.xsnap.testing.TestGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A snapshot cfgfile's {@code memory_path} on real QEMU guests whose RAM holds known data ({@link RamGuest}): the
 * memory file is written where the cfgfile says, 0600, recorded in the manifest and in the driver's trusted state,
 * listed, reverted from, and removed with the snapshot; every unsafe path is refused before anything changes; a
 * manifest that names a file outside the store xsnap did not write is damaged and the file is never touched; a kill
 * during the save leaves no partial file behind.
 */
class MemoryPathOnGuestsTest extends OnGuests {
    private PrivateDir outside;
    private StoreLayout layout;

    @BeforeEach
    void outsideDir() {
        outside = new PrivateDir("mempath");
        layout = new StoreLayout(store);
    }

    @AfterEach
    void removeOutsideDir() {
        outside.close();
    }

    @Test
    void theMemoryFileIsWrittenWhereTheCfgfileSaysRevertedFromAndRemovedWithTheSnapshot() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 21);
        g.write(0x11);
        Path mem = outside.resolve("web01-s1.save");
        Path cfg = cfgfile("s1", mem.toString());

        Cli.Run create = cli.host("snapshot-create", "web01", cfg.toString());
        ok(create);
        assertTrue(Files.isRegularFile(mem, LinkOption.NOFOLLOW_LINKS), create.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mem)));
        assertTrue(Files.size(mem) > RamGuest.RAM / 2, "the guest's RAM is in it: " + Files.size(mem));
        assertFalse(Files.exists(layout.memory("web01", "s1")), "no copy in the store");
        String manifest = Files.readString(layout.manifest("web01", "s1"));
        assertTrue(manifest.contains("\"file\" : \"" + mem + "\""), manifest);
        assertTrue(manifest.contains("\"sha256\" : \"" + sha256(mem) + "\""), manifest);
        assertEquals(1, trustRecords().size(), "the driver's trusted state vouches for the file");
        Cli.Run list = cli.host("list", "web01");
        assertTrue(list.out().contains(" in " + mem + ","), list.toString());
        Cli.Run json = cli.host("list", "--json");
        assertTrue(json.out().contains("\"memory_file\" : \"" + mem + "\""), json.toString());

        g.write(0x22);
        ok(cli.host("revert", "--force", "web01", "s1"));
        assertTrue(g.holds(0x11), "the revert loaded the memory (and disks) of s1 from " + mem);

        Cli.Run delete = cli.host("delete", "web01", "s1");
        ok(delete);
        assertTrue(delete.out().contains("! deletes " + mem), "the plan shows the outside file it removes: " + delete);
        assertFalse(Files.exists(mem, LinkOption.NOFOLLOW_LINKS), "removed with its snapshot");
        assertEquals(List.of(), trustRecords(), "and its record with it");
        assertTrue(g.holds(0x11));
    }

    @Test
    void everyUnsafeMemoryPathIsRefusedNamingTheCfgfileLineAndChangesNothing() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 22);
        g.write(0x11);
        Files.createDirectories(store);
        Files.writeString(outside.resolve("taken.save"), "someone's");
        Files.createSymbolicLink(outside.resolve("dangling.save"), outside.resolve("nowhere"));
        Files.createDirectory(outside.resolve("real"));
        Files.createSymbolicLink(outside.resolve("linked"), outside.resolve("real"));
        Path open = Files.createDirectory(outside.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path sticky = Files.createDirectory(outside.resolve("sticky"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        new ProcessBuilder("chmod", "+t", sticky.toString()).start().waitFor();
        List<String[]> cases = List.of(
                new String[] {outside.resolve("taken.save").toString(), "already exists (a file)"},
                new String[] {outside.resolve("dangling.save").toString(), "already exists (a symbolic link)"},
                new String[] {outside.resolve("linked/m.save").toString(), outside.resolve("linked") + " is a symbolic link"},
                new String[] {open.resolve("m.save").toString(), open + " is writable by everyone"},
                new String[] {sticky.resolve("m.save").toString(), sticky + " is writable by everyone"},
                new String[] {inTmp("m.save").toString(), "/tmp is writable by everyone"},
                new String[] {"web01.save", "it is not an absolute path"},
                new String[] {outside.resolve("real") + "/../m.save", "it is not a normal path"},
                new String[] {outside.resolve("real") + "//m.save", "it is not a normal path"},
                new String[] {outside.resolve("missing/m.save").toString(), "does not exist"},
                new String[] {store.resolve("m.save").toString(), "lies inside the store " + store
                        + "; leave memory_path out: memory is kept in the store then"});
        List<Path> before = tree(outside.path());
        long pid = g.guest().pid();
        for (String[] c : cases) {
            Path cfg = cfgfile("s1", c[0]);
            Cli.Run r = cli.host("snapshot-create", "web01", cfg.toString());
            assertEquals(65, r.code(), c[0] + ": " + r);
            assertTrue(r.err().contains(cfg + ":3: memory_path \"" + c[0] + "\": ") && r.err().contains(c[1])
                    && r.err().contains("nothing was changed"), c[0] + ": " + r);
        }
        assertEquals(before, tree(outside.path()), "nothing made or removed outside the store");
        assertFalse(Files.exists(store.resolve("web01")), "nothing in the store");
        assertFalse(Files.exists(tmp.resolve("m.save")));
        assertEquals(pid, g.guest().pid());
        assertEquals("running", g.guest().status(), "never paused");
        assertEquals("someone's", Files.readString(outside.resolve("taken.save")));
    }

    /**
     * A manifest whose memory.file names a file outside the store that xsnap did not write (a copy of /etc/hostname,
     * with its true size and sha256) is damaged: listed so, never reverted from, never deleted, the file untouched.
     */
    @Test
    void aForgedManifestNamingAFileOutsideIsDamagedAndTheFileSurvives() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 23);
        g.write(0x11);
        ok(cli.host("create", "web01", "--name", "s1"));
        Path victim = outside.resolve("hostname");
        Files.copy(Path.of("/etc/hostname"), victim);
        byte[] bytes = Files.readAllBytes(victim);
        Path manifest = layout.manifest("web01", "s1");
        String text = Files.readString(manifest);
        String forged = text.replace("\"file\" : \"memory.save\"", "\"file\" : \"" + victim + "\"")
                .replaceAll("\"size\" : \\d+", "\"size\" : " + bytes.length)
                .replaceAll("\"sha256\" : \"[0-9a-f]+\"", "\"sha256\" : \"" + sha256(victim) + "\"");
        assertFalse(forged.equals(text));
        Files.writeString(manifest, forged);

        Cli.Run list = cli.host("list", "web01");
        assertTrue(list.out().contains("memory.file " + victim + " lies outside the store")
                && list.out().contains("no record that xsnap wrote it"), list.toString());
        Cli.Run delete = cli.host("delete", "web01", "s1");
        assertEquals(1, delete.code(), delete.toString());
        assertTrue(delete.out().contains("is damaged"), delete.toString());
        Cli.Run revert = cli.host("revert", "--force", "web01", "s1");
        assertEquals(1, revert.code(), revert.toString());
        assertTrue(Files.exists(victim));
        assertEquals(new String(bytes), Files.readString(victim));
        assertTrue(Files.exists(manifest), "the damaged record is left for a person to look at");
        assertTrue(g.ramHolds(0x11), "the guest was not touched");
    }

    /**
     * A genuine snapshot with its memory outside the store, its manifest edited afterwards: pointing memory.file at
     * another file (the trusted record names the real one), or changing its sha256. Either way it is damaged, the
     * delete is refused, and neither file is touched.
     */
    @Test
    void aManifestThatDisagreesWithTheTrustedRecordIsDamagedAndNoFileIsRemoved() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 25);
        g.write(0x11);
        Path mem = outside.resolve("web01-s1.save");
        ok(cli.host("snapshot-create", "web01", cfgfile("s1", mem.toString()).toString()));
        Path victim = outside.resolve("hostname");
        Files.copy(Path.of("/etc/hostname"), victim);
        Path manifest = layout.manifest("web01", "s1");
        String genuine = Files.readString(manifest);
        String memSha = sha256(mem);

        Files.writeString(manifest, genuine.replace("\"file\" : \"" + mem + "\"", "\"file\" : \"" + victim + "\""));
        Cli.Run list = cli.host("list", "web01");
        assertTrue(list.out().contains("no record that xsnap wrote it for web01/s1 (it records " + mem + ")"),
                list.toString());
        assertEquals(1, cli.host("delete", "web01", "s1").code());

        Files.writeString(manifest, genuine.replace(memSha, "0".repeat(64)));
        list = cli.host("list", "web01");
        assertTrue(list.out().contains("its size or sha256 differ from what xsnap recorded"), list.toString());
        assertEquals(1, cli.host("delete", "web01", "s1").code());
        assertEquals(1, cli.host("revert", "--force", "web01", "s1").code());
        assertTrue(Files.exists(victim) && Files.exists(mem) && sha256(mem).equals(memSha), "no file touched");

        Files.writeString(manifest, genuine);
        ok(cli.host("delete", "web01", "s1"));
        assertFalse(Files.exists(mem));
        assertTrue(Files.exists(victim));
        assertTrue(g.ramHolds(0x11));
    }

    /**
     * A saved plan is data too: a memory_file written into it that names an existing file, or a file in a directory
     * others can write, is refused by apply before the guest is paused; the file is untouched, nothing is made.
     */
    @Test
    void aSavedPlanWhoseMemoryFileIsUnsafeIsRefusedByApply() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 27);
        g.write(0x11);
        Path spec = tmp.resolve("web01.yaml");
        Files.writeString(spec, "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\nsnapshots:\n"
                + "  - name: s1\n    memory: true\n");
        Path victim = outside.resolve("taken.save");
        Files.writeString(victim, "someone's");
        long pid = g.guest().pid();
        for (Path file : List.of(victim, inTmp("in-tmp.save"))) {
            Path saved = tmp.resolve("plan.json");
            ok(cli.host("plan", "--out", saved.toString(), spec.toString()));
            String plan = Files.readString(saved);
            String edited = plan.replace("\"memory\" : true,", "\"memory\" : true, \"memory_file\" : \"" + file + "\",");
            assertFalse(edited.equals(plan), plan);
            Files.writeString(saved, edited);
            Cli.Run apply = cli.host("apply", "--auto-approve", saved.toString());
            assertEquals(1, apply.code(), apply.toString());
            assertTrue(apply.toString().contains("memory file " + file + ": ")
                    && apply.toString().contains("nothing was changed"), apply.toString());
            assertFalse(Files.exists(layout.snapshotDir("web01", "s1")), apply.toString());
        }
        assertEquals("someone's", Files.readString(victim));
        assertFalse(Files.exists(inTmp("in-tmp.save")));
        assertEquals(List.of(), trustRecords());
        assertEquals(pid, g.guest().pid());
        assertEquals("running", g.guest().status());
        assertTrue(g.ramHolds(0x11));
    }

    /** A clone of a snapshot whose memory lies outside the store starts from that memory. */
    @Test
    void aCloneStartsFromTheMemoryFileOutsideTheStore() throws Exception {
        // not a RamGuest: a clone started from its command line would map the same RAM file
        TestGuest web01 = lab.start("web01", GuestLab.Disk.qcow2("xvda", lab.createDisk("base.qcow2", "qcow2",
                8 * RamGuest.MIB)));
        web01.write("xvda", 0x31, 0, RamGuest.K64);
        Path mem = outside.resolve("web01-gold.save");
        Files.writeString(tmp.resolve("gold.cfg"), "name=\"gold\"\nmemory_path=\"" + mem + "\"\ndisks=[',,xvda']\n");
        ok(cli.host("snapshot-create", "web01", tmp.resolve("gold.cfg").toString()));
        web01.write("xvda", 0x32, 0, RamGuest.K64);
        Cli.Run clone = cli.host("clone", "web01", "gold", "--to", "c1", "--start", "--paused");
        ok(clone);
        assertTrue(clone.out().contains("> start c1 from " + mem + ", left paused"), "the plan says so: " + clone);
        assertTrue(clone.toString().contains("starting c1 from " + mem), clone.toString());
        TestGuest c1 = lab.guest("c1");
        assertEquals("paused", c1.status(), "resumed from the snapshot's memory, left paused");
        c1.assertReads("xvda", 0x31, 0, RamGuest.K64);
        Cli.Run list = cli.host("list");
        assertFalse(list.out().contains("amaged"), "the clone record naming the file outside is trusted: " + list);
        ok(cli.host("delete-clone", "c1"));
        web01.assertReads("xvda", 0x32, 0, RamGuest.K64);
    }

    /**
     * Killed while QEMU writes the memory file outside the store: recovery settles the save, resumes the guest and
     * removes the partial file it made, and nothing else (a file beside it stays).
     */
    @Test
    void killedDuringTheSaveRecoveryRemovesThePartialOutsideFileAndNothingElse() throws Exception {
        RamGuest g = RamGuest.start(lab, "web01", 24);
        g.write(0x11);
        Path beside = outside.resolve("beside.save");
        Files.writeString(beside, "not xsnap's");
        Path mem = outside.resolve("web01-s1.save");
        Path cfg = cfgfile("s1", mem.toString());
        XsnapProcess.Started create = xsnap.start(null, "snapshot-create", "web01", cfg.toString());
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && size(mem) < 4 << 20 && create.isAlive()) {
            Thread.onSpinWait();
        }
        create.kill();
        assertTrue(size(mem) > 0 && size(mem) < RamGuest.RAM, "killed while the memory file was written: " + size(mem));

        Cli.Run recover = cli.host("recover");
        ok(recover);
        assertTrue(recover.out().contains("! deletes " + mem), recover.toString());
        assertFalse(Files.exists(mem, LinkOption.NOFOLLOW_LINKS), "the partial file xsnap made is gone\n" + recover);
        assertEquals("not xsnap's", Files.readString(beside));
        assertEquals(List.of(outside.path(), beside), tree(outside.path()));
        assertEquals(List.of(), trustRecords());
        assertFalse(Files.exists(layout.snapshotDir("web01", "s1")));
        assertEquals("running", g.guest().status());
        assertTrue(g.holds(0x11));
        assertTrue(cli.host("recover").out().contains("Nothing to recover"));
    }

    private Path cfgfile(String name, String memoryPath) throws IOException {
        Path cfg = Files.createTempFile(tmp, "snap", ".cfg");
        Files.writeString(cfg, "name=\"" + name + "\"\ndescription=\"memory outside\"\nmemory_path=\"" + memoryPath
                + "\"\n");
        return cfg;
    }

    private List<Path> trustRecords() throws IOException {
        Path dir = io.xsnap.host.TrustedState.storeDir(Path.of(System.getenv("XSNAP_TRUST_DIR")), store).resolve("memory");
        return Files.isDirectory(dir) ? tree(dir).stream().filter(p -> !p.equals(dir)).toList() : List.of();
    }

    private static List<Path> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.sorted().toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /**
     * A name right in the sticky, world-writable /tmp (a directory of ours under it, as JUnit's temp dirs are, is safe:
     * nobody else may move it away).
     */
    private static Path inTmp(String name) {
        return Path.of("/tmp", "xsnap-test-" + ProcessHandle.current().pid() + "-" + name);
    }
}
