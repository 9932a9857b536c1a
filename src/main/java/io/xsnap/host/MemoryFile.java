package io.xsnap.host;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Guest memory is a secret: its file is made 0600 and new (never an existing file, nor through a link), before
 * anything is written, in a directory that is 0700 (the store's) or, for a file outside the store (a snapshot
 * cfgfile's {@code memory_path}), in a directory nobody else can change: see {@link #outsideProblem}.
 */
public final class MemoryFile {
    public static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private MemoryFile() {
    }

    /**
     * Creates {@code file} empty and 0600, exclusively (a file, directory or link already there, even a dangling
     * one, is refused); its directory is made 0700 when missing, and must be 0700 or safe for a secret all the way
     * from {@code /} ({@link #unsafeDirectory}).
     */
    public static void create(Path file) {
        Path parent = file.getParent();
        try {
            if (!Files.isDirectory(parent)) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                Files.setPosixFilePermissions(parent, OWNER_ONLY_DIR);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(parent);
            if (!OWNER_ONLY_DIR.containsAll(perms)) {
                String unsafe = unsafeDirectory(file);
                if (unsafe != null) {
                    throw new HostException(parent + ": a directory for guest memory must be 0700, it is "
                            + PosixFilePermissions.toString(perms) + " (" + unsafe + ")");
                }
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        } catch (FileAlreadyExistsException e) {
            throw new Exists(file, e);
        } catch (IOException e) {
            throw new HostException(file + ": cannot create: " + e.getMessage(), e);
        }
    }

    /** The memory file was there before this save (someone else's): it is neither written nor removed. */
    public static final class Exists extends HostException {
        Exists(Path file, Exception cause) {
            super(file + ": already exists; a memory save never overwrites a file", cause);
        }

        /** Whether {@code e}, or one of its causes, is this refusal. */
        public static boolean in(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof Exists) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Why {@code raw} cannot be a new memory file outside the store, or null when it can: it must be absolute and
     * written normally (no {@code .} or {@code ..} part, no {@code //}, no trailing {@code /}), must not exist (of
     * any type, a dangling link included), and its directory must exist and be safe ({@link #unsafeDirectory}).
     * Reads only.
     */
    public static String outsideProblem(String raw) {
        if (raw.indexOf('\0') >= 0) {
            return "it holds a NUL character";
        }
        if (!raw.startsWith("/")) {
            return "it is not an absolute path";
        }
        if (raw.contains("//") || raw.endsWith("/") || ("/" + raw + "/").contains("/./")
                || ("/" + raw + "/").contains("/../")) {
            return "it is not a normal path (no '.', '..', '//' or trailing '/')";
        }
        Path file = Path.of(raw);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return file + " already exists (" + (Files.isSymbolicLink(file) ? "a symbolic link"
                    : Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) ? "a directory" : "a file")
                    + "); a memory save never overwrites anything";
        }
        if (!Files.isDirectory(file.getParent())) {
            return "its directory " + file.getParent() + " does not exist (or is not a directory)";
        }
        String unsafe = unsafeDirectory(file);
        return unsafe == null ? null : "its directory is not safe for guest memory: " + unsafe;
    }

    /**
     * Why the directories holding {@code file} are not safe for a secret, or null when they are: every one from
     * {@code /} down to its parent must be a real directory (no symbolic link), owned by root or the user xsnap runs
     * as, and not writable by group or others; a sticky one (such as {@code /tmp}) only above the file's own directory
 * (anyone may create a name in it first, but nobody may move an entry of root's or ours out of it).
     */
    public static String unsafeDirectory(Path file) {
        String me = System.getProperty("user.name");
        Path at = file.getRoot();
        String why = unsafe(at, me, file.getNameCount() == 1);
        for (int i = 0; why == null && i < file.getNameCount() - 1; i++) {
            at = at.resolve(file.getName(i));
            why = unsafe(at, me, i == file.getNameCount() - 2);
        }
        return why;
    }

    /**
     * Why {@code dir} is unsafe on the way to a secret, or null. A directory others may write into is safe only as a
     * sticky ancestor (as /tmp is for /tmp/ci/target/...): there others cannot rename or remove the entry below it,
     * which must be owned by root or us (checked next); the file's own directory must be closed to them.
     */
    private static String unsafe(Path dir, String me, boolean fileParent) {
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return dir + " is a symbolic link";
            }
            if (!a.isDirectory()) {
                return dir + " is not a directory";
            }
            String owner = a.owner().getName();
            if (!owner.equals("root") && !owner.equals(me)) {
                return dir + " is owned by " + owner + ", not by root or " + me;
            }
            if ((a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) && (fileParent || !sticky(dir))) {
                return dir + " is writable by " + (a.permissions().contains(PosixFilePermission.OTHERS_WRITE)
                        ? "everyone" : "its group") + " (" + PosixFilePermissions.toString(a.permissions()) + ")";
            }
            return null;
        } catch (IOException e) {
            return dir + " cannot be checked: " + e.getMessage();
        }
    }

    private static boolean sticky(Path dir) throws IOException {
        return ((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 01000) != 0;
    }
}
