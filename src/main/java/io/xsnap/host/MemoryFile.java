package io.xsnap.host;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Guest memory is a secret: its file is made 0600, new, in a directory that is 0700, before anything is written. */
public final class MemoryFile {
    public static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private MemoryFile() {
    }

    /** Creates {@code file} empty and 0600; refuses one that exists or a directory open to others. */
    public static void create(Path file) {
        Path parent = file.getParent();
        try {
            if (!Files.isDirectory(parent)) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                Files.setPosixFilePermissions(parent, OWNER_ONLY_DIR);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(parent);
            if (!OWNER_ONLY_DIR.containsAll(perms)) {
                throw new HostException(parent + ": a directory for guest memory must be 0700, it is "
                        + PosixFilePermissions.toString(perms));
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        } catch (FileAlreadyExistsException e) {
            throw new HostException(file + ": already exists; a memory save never overwrites a file", e);
        } catch (IOException e) {
            throw new HostException(file + ": cannot create: " + e.getMessage(), e);
        }
    }
}
