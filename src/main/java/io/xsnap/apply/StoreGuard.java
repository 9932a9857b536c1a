package io.xsnap.apply;

import io.xsnap.host.HostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the store root must be before xsnap changes anything in it: an absolute path to a real directory
 * (created 0700 when missing), owned by the user xsnap runs as, not writable by others — and with no
 * symbolic link anywhere inside it, so nothing xsnap writes or deletes can be steered outside the store.
 */
public final class StoreGuard {
    /** How deep the store goes: root/domain/snapshot-or-layers/file. */
    private static final int DEPTH = 3;

    private StoreGuard() {
    }

    /** @throws HostException naming the root and what is wrong with it */
    public static void checkRoot(Path root) {
        if (!root.isAbsolute()) {
            throw new HostException("the store " + root + " must be an absolute path");
        }
        try {
            if (Files.isSymbolicLink(root)) {
                throw new HostException("the store " + root + " is a symbolic link; give its real path");
            }
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                StoreFiles.ensureDir(root);
            }
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                throw new HostException("the store " + root + " is not a directory");
            }
            Object owner = Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            long me = new com.sun.security.auth.module.UnixSystem().getUid();
            if (!(owner instanceof Integer uid) || uid != me) {
                throw new HostException("the store " + root + " is owned by uid " + owner + ", not by the user xsnap runs as"
                        + " (uid " + me + "); chown it or run xsnap as its owner");
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new HostException("the store " + root + " is writable by every user; chmod o-w " + root
                        + " (xsnap makes it 0700)");
            }
            List<Path> links = linksIn(root);
            if (!links.isEmpty()) {
                throw new HostException("the store " + root + " holds symbolic links, which xsnap refuses (it would write or "
                        + "delete through them): " + String.join(", ", links.stream().map(Path::toString).toList()));
            }
        } catch (IOException e) {
            throw new HostException("the store " + root + ": " + e.getMessage(), e);
        } catch (UnsupportedOperationException e) {
            throw new HostException("the store " + root + " is on a file system without POSIX owners and modes", e);
        }
    }

    /** Every symbolic link inside the store, sorted. */
    static List<Path> linksIn(Path root) throws IOException {
        List<Path> links = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root, DEPTH)) {
            all.filter(Files::isSymbolicLink).sorted().forEach(links::add);
        }
        return links;
    }
}
