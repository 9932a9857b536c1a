package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xsnap.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store root is checked before any changing command touches it: absolute, a real directory owned by
 * the user xsnap runs as, not world-writable, no symbolic link inside; what xsnap creates there is 0700 / 0600.
 */
class StoreGuardTest {
    @TempDir
    Path tmp;

    private Cli.Run recover(Path store) {
        return Cli.run("recover", "--store", store.toString(), "--driver", "qemu", "--qemu-dir", tmp.resolve("qemu").toString());
    }

    @Test
    void aNewStoreIsMadePrivateAndItsFilesToo() throws IOException {
        Path store = tmp.resolve("store");
        Cli.Run r = recover(store);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Nothing to recover."), r.out());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve(".lock"))));
        new Journal(store.resolve(".journal"), io.xsnap.observe.Json.mapper())
                .append(new Journal.Entry("web01/a", "pause", "web01", "qemu", "resume"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve(".journal"))));
    }

    @Test
    void aRelativeStoreIsAUsageError() {
        Cli.Run r = Cli.run("recover", "--store", "relative/store", "--driver", "qemu");
        assertEquals(64, r.code(), r.toString());
        assertTrue(r.err().contains("must be an absolute path"), r.err());
    }

    @Test
    void aWorldWritableStoreIsRefused() throws IOException {
        Path store = Files.createDirectory(tmp.resolve("store"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxrwxrwx"));
        Cli.Run r = recover(store);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("is writable by every user"), r.err());
        assertFalse(Files.exists(store.resolve(".lock")), "nothing was written");
    }

    @Test
    void aStoreOwnedBySomeoneElseIsRefused() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a directory away");
        Path store = Files.createDirectory(tmp.resolve("store"));
        Files.setAttribute(store, "unix:uid", 65534);
        Cli.Run r = recover(store);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("is owned by uid 65534"), r.err());
    }

    @Test
    void symbolicLinksInsideTheStoreAreRefused() throws IOException {
        Path store = Files.createDirectory(tmp.resolve("store"));
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(store.resolve("web01"), elsewhere);
        Cli.Run r = recover(store);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("holds symbolic links") && r.err().contains(store.resolve("web01").toString()), r.err());

        Files.delete(store.resolve("web01"));
        Path layers = Files.createDirectories(store.resolve("web01/layers"));
        Files.createSymbolicLink(layers.resolve("xvda.1.qcow2"), Files.writeString(elsewhere.resolve("secret"), "x"));
        r = recover(store);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("xvda.1.qcow2"), r.err());
    }

    @Test
    void aStoreThatIsItselfALinkIsRefused() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("store"), real);
        Cli.Run r = recover(link);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("is a symbolic link"), r.err());
    }

    @Test
    void anIncompleteSnapshotDirectoryWithoutAJournalIsRemovedByRecover() throws IOException {
        Path store = tmp.resolve("store");
        assertEquals(0, recover(store).code());
        Path dir = Files.createDirectories(store.resolve("web01/half"));
        Files.writeString(dir.resolve("memory.save"), "partial");
        Cli.Run plan = Cli.run("plan", "--store", store.toString(), "--driver", "qemu", "--qemu-dir",
                tmp.resolve("qemu").toString(), "--detailed-exitcode", writeSpec().toString());
        assertEquals(2, plan.code(), plan.toString());
        assertTrue(plan.out().contains("* web01/half") && plan.out().contains("undo the interrupted create"), plan.out());
        Cli.Run r = recover(store);
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(dir), r.toString());
    }

    private Path writeSpec() throws IOException {
        return Files.writeString(tmp.resolve("empty.yaml"), "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\n"
                + "snapshots: []\n");
    }
}
