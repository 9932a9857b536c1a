package io.xsnap.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** How xsnap writes into its store: directories 0700, files 0600, whole-file writes atomic. */
public final class StoreFiles {
    private StoreFiles() {
    }

    /** Creates {@code dir} and missing parents 0700; refuses a symlink. */
    public static void ensureDir(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException(dir + " is a symbolic link; the store refuses links");
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            ensureDir(parent);
        }
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Creates an empty file 0600 (it must not exist yet). */
    public static void createPrivateFile(Path file) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /** Makes a file another tool created in the store (qemu-img: mode from its umask) 0600. */
    public static void makePrivate(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** Writes {@code bytes} to a temp file 0600 beside {@code target}, fsyncs it, renames it over, fsyncs the dir. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        createPrivateFile(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(target.getParent());
    }

    /** Makes a file's content durable (before a manifest names it). */
    public static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.WRITE))) {
            ch.force(true);
        }
    }

    /** Makes a directory entry change durable. */
    public static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, Set.of(StandardOpenOption.READ))) {
            ch.force(true);
        }
    }

    /** The names in directory {@code dir}, sorted (for messages about what a directory still holds). */
    public static java.util.List<String> names(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
