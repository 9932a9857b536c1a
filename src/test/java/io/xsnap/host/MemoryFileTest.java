package io.xsnap.host;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directories on the way to a memory file outside the store (real directories under the sticky /tmp). */
class MemoryFileTest {
    @TempDir
    Path tmp;

    @Test
    void aStickyWorldWritableDirectoryIsSafeOnlyAboveTheFilesOwnDirectory() throws IOException {
        Path sticky = mode(Files.createDirectory(tmp.resolve("sticky")), "rwxrwxrwx");
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path own = mode(Files.createDirectory(sticky.resolve("own")), "rwx------");
        mode(tmp, "rwx------");
        assertNull(MemoryFile.unsafeDirectory(own.resolve("m.save")), "a 0700 directory of ours under a sticky one");
        String parent = MemoryFile.unsafeDirectory(sticky.resolve("m.save"));
        assertTrue(parent != null && parent.contains(sticky + " is writable by everyone"), String.valueOf(parent));
        Path open = mode(Files.createDirectory(tmp.resolve("open")), "rwxrwxrwx");
        Path below = mode(Files.createDirectory(open.resolve("own")), "rwx------");
        String notSticky = MemoryFile.unsafeDirectory(below.resolve("m.save"));
        assertTrue(notSticky != null && notSticky.contains(open + " is writable by everyone"), String.valueOf(notSticky));
    }

    private static Path mode(Path p, String perms) throws IOException {
        return Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }
}
