package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Json;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.OnGuests;
import io.xsnap.testing.TestGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Invariant 8 for domains the driver does not report: a path or a restart recipe read back from the store of a stopped
 * domain is trusted only as far as the driver's own record of that domain (written when xsnap stopped it) vouches for
 * it. Each case forges one record, runs the command that would act on it, and checks the command fails naming the
 * record, that sentinel files outside the store (a qcow2 image holding the snapshot's tag, a raw disk) keep their
 * bytes, and that no program was started (no QEMU under the domain's name, no marker of a foreign program).
 */
class StoppedDomainsOnGuestsTest extends OnGuests {
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    private Path outside;
    private Path marker;
    private Path evil;

    private void outsideFiles(Path qcow2, Path raw) throws IOException {
        outside = Files.createDirectories(tmp.resolve("outside"));
        // copies of the guest's own disks: the qcow2 one holds the snapshot's tag, so a revert could apply it there
        Files.copy(qcow2, outside.resolve("sentinel.qcow2"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(raw, outside.resolve("sentinel.raw"), StandardCopyOption.COPY_ATTRIBUTES);
        marker = tmp.resolve("foreign-program-ran");
        evil = outside.resolve("not-qemu.sh");
        Files.writeString(evil, "#!/bin/sh\ntouch " + marker + "\nexit 1\n");
        Files.setPosixFilePermissions(evil, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * A guest quit by hand, not by xsnap: nothing vouches for a file outside the store, so neither a forged record nor
     * the genuine one is acted on; the refusal says what to do. Then the guest runs again, and the same forged
     * argv is refused against its live command line before the guest is stopped.
     */
    @Test
    void aDomainStoppedOutsideXsnapVouchesForNothingOutsideTheStore() throws IOException {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        Path raw = lab.createDisk("data.raw", "raw", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base), Disk.raw("xvdb", raw));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "mem"));
        g.write("xvda", 0x22, 0, K64);
        g.quit();
        outsideFiles(base, raw);
        Path manifest = store.resolve("web01/mem/snapshot.json");
        byte[] pristine = Files.readAllBytes(manifest);
        Map<Path, String> before = sentinels();
        String[] revert = {"revert", "--force", "web01", "mem"};

        List<String> failures = new ArrayList<>();
        record Case(String name, Consumer<ObjectNode> forge, String expected) {
        }
        List<Case> cases = List.of(
                new Case("internal image: a qcow2 outside holding the tag", m -> disk(m, "xvda").put("image",
                        outside.resolve("sentinel.qcow2").toString()), "disks[0].image"),
                new Case("frozen file: a raw disk outside", m -> disk(m, "xvdb").put("frozen",
                        outside.resolve("sentinel.raw").toString()), "start web01 and run again"),
                new Case("argv: another program", m -> argv(m).set(0, evil.toString()), "xsnap did not see web01 stop"),
                new Case("argv: an extra -device", m -> argv(m).add("-device").add("virtio-rng-pci"),
                        "xsnap did not see web01 stop"),
                new Case("the genuine manifest", m -> { }, "xsnap did not see web01 stop, so nothing vouches for it; start web01 and run again"));
        for (Case c : cases) {
            edit(manifest, c.forge());
            Cli.Run r = cli.host(revert[0], java.util.Arrays.copyOfRange(revert, 1, revert.length));
            String why = check(r, before, manifest.toString(), c.expected());
            if (why != null) {
                failures.add(c.name() + ": " + why);
            }
            Files.write(manifest, pristine);
            Files.deleteIfExists(store.resolve(".journal"));
        }
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " cases failed");

        // running again, the domain's live command line is what a stored one is held against, before the stop
        TestGuest again = lab.start("web01", Disk.qcow2("xvda", base), Disk.raw("xvdb", raw));
        long pid = again.pid();
        edit(manifest, m -> argv(m).add("-device").add("virtio-rng-pci"));
        Cli.Run r = cli.host(revert[0], java.util.Arrays.copyOfRange(revert, 1, revert.length));
        assertTrue(r.code() != 0 && (r.out() + r.err()).contains(manifest + " is damaged: restart.argv differs from the "
                + "command line web01 runs with"), r.toString());
        assertEquals(pid, lab.guest("web01").pid(), "the guest was not stopped");
        assertEquals("running", again.status());
        Files.write(manifest, pristine);
        ok(cli.host(revert[0], java.util.Arrays.copyOfRange(revert, 1, revert.length)));
        lab.guest("web01").assertReads("xvda", 0x11, 0, K64);
        assertEquals(before, sentinels(), "nothing outside the store changed");
    }

    /**
     * A revert killed once it stopped the guest: the driver's record, written before the stop, vouches for the
     * guest's own files, and for nothing else. Forged journal and manifest entries are refused; the genuine ones
     * finish the revert through the record, and once the guest runs again the record is gone.
     */
    @Test
    void aRevertKilledAfterTheStopRecoversThroughTheAnchorAndOnlyThrough() throws IOException {
        Path base = lab.createDisk("base.qcow2", "qcow2", 8 * MIB);
        Path raw = lab.createDisk("data.raw", "raw", 8 * MIB);
        TestGuest g = lab.start("web01", Disk.qcow2("xvda", base), Disk.raw("xvdb", raw));
        g.write("xvda", 0x11, 0, K64);
        ok(cli.host("create", "web01", "--name", "mem"));
        g.write("xvda", 0x22, 0, K64);
        long pid = g.pid();
        XsnapProcess.Run killed = xsnap.run("start", "revert", "--force", "web01", "mem");
        assertEquals(137, killed.code(), killed.toString());
        assertFalse(GuestLab.isQemu(pid), "the revert stopped the guest");
        Path anchor = lab.qemuDir().resolve("trust/stopped/web01.json");
        assertTrue(Files.isRegularFile(anchor), "the driver recorded the guest before it stopped it");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(anchor)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(anchor.getParent())));
        outsideFiles(base, raw);
        Path manifest = store.resolve("web01/mem/snapshot.json");
        Path journal = store.resolve(".journal");
        byte[] pristineManifest = Files.readAllBytes(manifest);
        byte[] pristineJournal = Files.readAllBytes(journal);
        Map<Path, String> before = sentinels();

        List<String> failures = new ArrayList<>();
        String qcow2 = outside.resolve("sentinel.qcow2").toString();
        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("journal: internal image outside the record", () -> replaceInJournal(journal, base.toString(), qcow2));
        cases.put("manifest: internal image outside the record", () -> edit(manifest, m -> disk(m, "xvda").put("image",
                qcow2)));
        cases.put("manifest: frozen raw disk outside the record", () -> edit(manifest, m -> disk(m, "xvdb").put("frozen",
                outside.resolve("sentinel.raw").toString())));
        cases.put("manifest: argv of another program", () -> edit(manifest, m -> argv(m).set(0, evil.toString())));
        cases.put("manifest: argv with an extra -device", () -> edit(manifest, m -> argv(m).add("-device")
                .add("virtio-rng-pci")));
        Map<String, String> expected = Map.of(
                "journal: internal image outside the record", journal + " is damaged",
                "manifest: internal image outside the record", manifest + " is damaged: disks[0].image",
                "manifest: frozen raw disk outside the record", manifest + " is damaged: disks[1].frozen",
                "manifest: argv of another program", manifest + " is damaged: restart.argv differs",
                "manifest: argv with an extra -device", manifest + " is damaged: restart.argv differs");
        for (Map.Entry<String, Runnable> c : cases.entrySet()) {
            c.getValue().run();
            Cli.Run r = cli.host("recover");
            String why = check(r, before, expected.get(c.getKey()), "");
            if (why != null) {
                failures.add(c.getKey() + ": " + why);
            }
            Files.write(manifest, pristineManifest);
            Files.write(journal, pristineJournal);
        }
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " cases failed");

        ok(cli.host("recover"));
        TestGuest back = lab.guest("web01");
        assertEquals("running", back.status());
        back.assertReads("xvda", 0x11, 0, K64);
        assertFalse(Files.exists(anchor), "the record is removed once the guest runs again");
        assertEquals(before, sentinels(), "nothing outside the store changed");
    }

    /** Null when the command failed with both texts in its output and changed and started nothing; else why not. */
    private String check(Cli.Run r, Map<Path, String> before, String record, String what) throws IOException {
        Map<Path, String> after = sentinels();
        if (!before.equals(after)) {
            before.putAll(after);
            return "a file outside the store changed\n" + r;
        }
        if (Files.exists(marker)) {
            Files.delete(marker);
            return "a foreign program ran\n" + r;
        }
        if (Files.exists(lab.qemuDir().resolve("web01.pid"))
                && GuestLab.isQemu(Long.parseLong(Files.readString(lab.qemuDir().resolve("web01.pid")).strip()))) {
            lab.guest("web01").close();
            return "a QEMU was started\n" + r;
        }
        String all = r.out() + r.err();
        if (r.code() == 0 || !all.contains(record) || !all.contains(what)) {
            return "the command must fail naming " + record + " and '" + what + "'\n" + r;
        }
        return null;
    }

    private Map<Path, String> sentinels() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (String name : List.of("sentinel.qcow2", "sentinel.raw", "not-qemu.sh")) {
            Path f = outside.resolve(name);
            out.put(f, Digests.sha256(f) + " " + Files.getLastModifiedTime(f));
        }
        return out;
    }

    private static ObjectNode disk(ObjectNode m, String vdev) {
        for (var d : (ArrayNode) m.get("disks")) {
            if (vdev.equals(d.path("vdev").asString())) {
                return (ObjectNode) d;
            }
        }
        throw new AssertionError("no disk " + vdev + " in " + m);
    }

    private static ArrayNode argv(ObjectNode m) {
        return (ArrayNode) m.get("restart").get("argv");
    }

    private static void replaceInJournal(Path journal, String from, String to) {
        try {
            String text = Files.readString(journal);
            assertTrue(text.contains(from), text);
            Files.writeString(journal, text.replace(from, to));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
