package io.xsnap.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's own state outside the store: its directory is checked before anything in it is believed. */
class TrustedStateTest {
    @TempDir
    Path tmp;

    private static TrustedState.Anchor anchor(String domain) {
        return new TrustedState.Anchor(domain, List.of(Path.of("/img/web01.qcow2"), Path.of("/img/base.raw")),
                List.of("qemu-system-x86_64", "-m", "64"), null, null, null);
    }

    @Test
    void anAnchorIsWrittenPrivatelyReadBackAndRemoved() throws IOException {
        TrustedState state = new TrustedState(tmp.resolve("trust"));
        assertEquals(Optional.empty(), state.anchor("web01"), "no directory: nothing recorded");
        state.writeAnchor(anchor("web01"));
        assertEquals(Optional.of(anchor("web01")), state.anchor("web01"));
        Path file = tmp.resolve("trust/stopped/web01.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("trust"))));
        assertEquals(List.of("web01.json"), Files.list(file.getParent()).map(p -> p.getFileName().toString()).toList(),
                "no temp file left");
        state.removeAnchor("web01");
        assertEquals(Optional.empty(), state.anchor("web01"));
    }

    @Test
    void aMemoryFileOutsideTheStoreIsRecordedPerSnapshotCompletedAndForgotten() throws IOException {
        TrustedState state = new TrustedState(tmp.resolve("trust"));
        assertEquals(Optional.empty(), state.memory("web01", "s1"));
        Path file = Path.of("/var/lib/xen/snapshots/web01/s1.save");
        state.recordMade(TrustedState.MadeFile.memory("web01", "s1", file, -1, null));
        TrustedState.MadeFile pending = state.memory("web01", "s1").orElseThrow();
        assertFalse(pending.complete(), "recorded before the file is made: a save that has begun");
        assertEquals(file, pending.file());
        assertEquals(Optional.empty(), state.memory("web01", "s2"), "per snapshot");
        assertEquals(Optional.empty(), state.memory("db01", "s1"), "per domain");
        String sha = "ab".repeat(32);
        state.recordMade(TrustedState.MadeFile.memory("web01", "s1", file, 4096, sha));
        assertEquals(Optional.of(TrustedState.MadeFile.memory("web01", "s1", file, 4096, sha)), state.memory("web01", "s1"));
        try (var records = Files.list(tmp.resolve("trust/memory"))) {
            Path record = records.findFirst().orElseThrow();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(record)));
        }
        state.forgetMemory("web01", "s1");
        assertEquals(Optional.empty(), state.memory("web01", "s1"));
        // a record whose text names another snapshot than the one it is kept for vouches for neither
        state.recordMade(TrustedState.MadeFile.memory("web01", "s2", file, 4096, sha));
        try (var records = Files.list(tmp.resolve("trust/memory"))) {
            Path r = records.findFirst().orElseThrow();
            Files.writeString(r, Files.readString(r).replace("\"s2\"", "\"s1\""));
        }
        HostException e = assertThrows(HostException.class, () -> state.memory("web01", "s2"));
        assertTrue(e.getMessage().contains("xsnap does not vouch for it"), e.getMessage());
        state.forgetMemory("web01", "s2");
        assertEquals(Optional.empty(), state.memory("web01", "s2"));
    }

    @Test
    void recordsOfFilesMadeOutsideAStoreOutliveTheRunDirectoryAndAreKeptPerStore() throws IOException {
        Path trustDir = tmp.resolve("persistent");
        Path storeA = Files.createDirectories(tmp.resolve("a"));
        Path storeB = Files.createDirectories(tmp.resolve("b"));
        assertNotEquals(TrustedState.storeDir(trustDir, storeA), TrustedState.storeDir(trustDir, storeB));
        assertEquals(TrustedState.storeDir(trustDir, storeA), TrustedState.storeDir(trustDir,
                Files.createSymbolicLink(tmp.resolve("a-link"), storeA)), "keyed by the store's real path");
        TrustedState a = new TrustedState(tmp.resolve("run"), TrustedState.storeDir(trustDir, storeA));
        Path layer = Path.of("/images/web01/hda_snap.qcow2");
        Path memory = Path.of("/images/web01/snap1.save");
        a.recordMade(TrustedState.MadeFile.layer("web01", "snap1", layer));
        a.recordMade(TrustedState.MadeFile.memory("web01", "snap1", memory, 10, "cd".repeat(32)));
        assertFalse(Files.exists(tmp.resolve("run")), "nothing of it under the run directory");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(trustDir)));

        // a reboot wipes the run directory; a new state on the same store finds both records
        TrustedState after = new TrustedState(tmp.resolve("run"), TrustedState.storeDir(trustDir, storeA));
        assertEquals(Optional.of(TrustedState.MadeFile.layer("web01", "snap1", layer)), after.layer("web01", layer));
        assertEquals(memory, after.memory("web01", "snap1").orElseThrow().file());
        assertEquals(java.util.Map.of("web01", List.of(layer)), after.layers(p -> fail(p)));
        assertEquals(Optional.empty(), after.layer("db01", layer), "per domain");
        TrustedState b = new TrustedState(tmp.resolve("run"), TrustedState.storeDir(trustDir, storeB));
        assertEquals(Optional.empty(), b.layer("web01", layer), "another store's records are not this one's");
        assertEquals(Optional.empty(), b.memory("web01", "snap1"));
        assertEquals(java.util.Map.of(), b.layers(p -> fail(p)));

        after.forgetLayer("web01", layer);
        assertEquals(Optional.empty(), after.layer("web01", layer));
        assertEquals(java.util.Map.of(), after.layers(p -> fail(p)));

        Files.setPosixFilePermissions(trustDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        HostException e = assertThrows(HostException.class, () -> after.memory("web01", "snap1"));
        assertTrue(e.getMessage().startsWith(trustDir + ": xsnap's trusted state must be 0700"), e.getMessage());
    }

    @Test
    void aDirectoryOpenToOthersOrALinkIsNotTrusted() throws IOException {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxr-x"));
        HostException e = assertThrows(HostException.class, () -> new TrustedState(open).anchor("web01"));
        assertEquals(open + ": xsnap's trusted state must be 0700, it is rwxrwxr-x; chmod 700 it if nobody else "
                + "wrote there", e.getMessage());
        assertThrows(HostException.class, () -> new TrustedState(open).writeAnchor(anchor("web01")));

        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        HostException l = assertThrows(HostException.class, () -> new TrustedState(link).writeAnchor(anchor("web01")));
        assertTrue(l.getMessage().contains("must be a directory, not a link"), l.getMessage());
        assertFalse(Files.exists(real.resolve("stopped")), "nothing written through the link");
    }

    @Test
    void aRecordNamingAnotherDomainOrUnreadableIsRefusedNotBelieved() throws IOException {
        TrustedState state = new TrustedState(tmp.resolve("trust"));
        state.writeAnchor(anchor("web01"));
        Files.copy(tmp.resolve("trust/stopped/web01.json"), tmp.resolve("trust/stopped/web02.json"));
        HostException other = assertThrows(HostException.class, () -> state.anchor("web02"));
        assertTrue(other.getMessage().contains("names domain web01, not web02"), other.getMessage());
        Files.writeString(tmp.resolve("trust/stopped/web03.json"), "{\"domain\": \"web03\"}");
        HostException broken = assertThrows(HostException.class, () -> state.anchor("web03"));
        assertTrue(broken.getMessage().contains("unreadable record of web03"), broken.getMessage());
        assertThrows(HostException.class, () -> state.anchor("../web01"));
    }

    @Test
    void onlyAConfigTextXsnapReadItselfIsVouchedFor() {
        TrustedState state = new TrustedState(tmp.resolve("trust"));
        String text = "name = \"web01\"\ndisk = [ '/img/web01.qcow2,qcow2,xvda,rw' ]\n";
        assertFalse(state.vouchedConfig("web01", text));
        state.vouchConfig("web01", text);
        assertTrue(state.vouchedConfig("web01", text));
        assertFalse(state.vouchedConfig("web01", "bootloader = \"/tmp/x\"\n" + text));
        // another domain's forged record cannot carry web01's config (its disks) to a start of db01
        assertFalse(state.vouchedConfig("db01", text));
        assertThrows(HostException.class, () -> state.vouchConfig("../web01", text));
    }
}
