package io.xsnap.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one place a path read back from the store becomes a file (invariant 8), as a table. */
class StorePathsTest {
    @TempDir
    Path tmp;

    @Test
    void pathsAreTrustedOnlyUnderTheStoreOrInAnObservedChain() throws IOException {
        Path store = Files.createDirectories(tmp.resolve("store/web01/layers"));
        Path root = tmp.resolve("store");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("web01/link"), outside);
        Path chainFile = Files.writeString(tmp.resolve("base.qcow2"), "");
        Path record = root.resolve("web01/s1/snapshot.json");
        Path anchoredFile = Files.writeString(outside.resolve("web03.qcow2"), "");
        StorePaths trust = new StorePaths(new StoreLayout(root), Set.of(chainFile), Set.of("web01"),
                java.util.Map.of("web03", List.of(anchoredFile)));

        assertEquals(store.resolve("xvda.1.qcow2"), trust.file(store + "/xvda.1.qcow2", record, "f"));
        assertEquals(chainFile, trust.file(chainFile.toString(), record, "f"));
        for (String bad : List.of(outside + "/x", root + "/web01/../../outside/x", root + "/web01/./layers/x",
                root + "//web01/layers/x", "relative/x", "", root + "/web01/link/x", root.toString())) {
            StorePaths.DamagedRecord e = assertThrows(StorePaths.DamagedRecord.class,
                    () -> trust.file(bad, record, "disks[0].frozen"), bad);
            assertEquals(record, e.record());
            assertEquals(true, e.getMessage().startsWith(record + " is damaged: disks[0].frozen"), e.getMessage());
        }
        assertThrows(StorePaths.DamagedRecord.class, () -> trust.inStore(chainFile.toString(), record, "removes"),
                "a chain file is never one a record may remove");
        assertThrows(StorePaths.DamagedRecord.class, () -> trust.fileOf("web01", outside + "/x", record, "f"),
                "a running domain's records are held against its chain");
        StorePaths.DamagedRecord unvouched = assertThrows(StorePaths.DamagedRecord.class,
                () -> trust.fileOf("web02", outside + "/x", record, "f"), "a domain not running, and no record of it");
        assertEquals(record + " is damaged: f \"" + outside + "/x\" lies outside the store " + root + ", and xsnap did "
                + "not see web02 stop, so nothing vouches for it; start web02 and run again", unvouched.getMessage());
        assertThrows(StorePaths.DamagedRecord.class, () -> trust.fileOf("web02", "/dev/null", record, "f"));
        assertThrows(StorePaths.DamagedRecord.class, () -> trust.fileOf("web02", root + "/web01/link", record, "f"));
        assertEquals(anchoredFile, trust.fileOf("web03", anchoredFile.toString(), record, "f"),
                "a file of the chains the driver recorded when xsnap stopped web03");
        assertEquals(chainFile, trust.fileOf("web03", chainFile.toString(), record, "f"), "a file of an observed chain");
        StorePaths.DamagedRecord other = assertThrows(StorePaths.DamagedRecord.class,
                () -> trust.fileOf("web03", outside + "/x", record, "f"));
        assertEquals(true, other.getMessage().contains("is no file the driver vouches for (the chains web03 had when xsnap stopped it"),
                other.getMessage());
    }

    @Test
    void aRemovalResolvesUnderTheStoreEvenWhenTheRootLiesUnderALink() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real/store/web01/s1"));
        Files.writeString(real.resolve("memory.save"), "");
        Path linked = Files.createSymbolicLink(tmp.resolve("var"), tmp.resolve("real"));
        Path root = linked.resolve("store");
        StorePaths trust = new StorePaths(new StoreLayout(root), Set.of(), Set.of());
        assertEquals(true, trust.resolvesInStore(root.resolve("web01/s1/memory.save")), "the root's ancestor may be a link");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(real.resolve("escape"), outside);
        assertEquals(false, trust.resolvesInStore(root.resolve("web01/s1/escape/x")), "a link inside may not redirect");
        assertEquals(false, trust.resolvesInStore(tmp.resolve("outside/x")));
    }

    @Test
    void plainNames() {
        Path record = Path.of("/s/d/x/snapshot.json");
        assertEquals("memory.save", StorePaths.plainName("memory.save", record, "memory.file"));
        for (String bad : new String[] {null, "", ".", "..", "a/b", "../x", "a\0b", "x".repeat(256)}) {
            assertThrows(StorePaths.DamagedRecord.class, () -> StorePaths.plainName(bad, record, "memory.file"),
                    String.valueOf(bad));
        }
    }
}
