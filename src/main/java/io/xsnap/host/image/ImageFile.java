package io.xsnap.host.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One image file opened read-only, with positional reads that never go past its end.
 *
 * <p>The first {@link #HEAD_BYTES} bytes are read once at open time and served from memory, so the header,
 * its extensions and the backing name (which qemu keeps in the first cluster) usually cost one read.
 * Every read names what it was reading, so a short file gives a message such as
 * "truncated: qcow2 header needs bytes 0..104 but the file has 50".
 */
final class ImageFile implements Closeable {
    static final int HEAD_BYTES = 4096;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final Object fileKey;
    private final ByteBuffer head;

    private ImageFile(Path path, FileChannel channel, long size, Object fileKey) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.fileKey = fileKey;
        this.head = ByteBuffer.allocate((int) Math.min(size, HEAD_BYTES));
        while (head.hasRemaining()) {
            if (channel.read(head, head.position()) < 0) {
                break;
            }
        }
        head.flip();
    }

    /** Opens a regular file or block device; a missing, unreadable or odd file throws {@link ImageException}. */
    static ImageFile open(Path path) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ImageException(path, "does not exist");
        } catch (AccessDeniedException e) {
            throw new ImageException(path, "permission denied");
        } catch (IOException | SecurityException e) {
            throw new ImageException(path, "cannot read: " + e.getMessage(), e);
        }
        if (attrs.isDirectory()) {
            throw new ImageException(path, "is a directory, not an image");
        }
        FileChannel channel = null;
        try {
            // before opening: opening a FIFO would wait for a writer
            if (!attrs.isRegularFile() && !isBlockDevice(path)) {
                throw new ImageException(path, "is neither a regular file nor a block device");
            }
            channel = FileChannel.open(path, StandardOpenOption.READ);
            long size = attrs.isRegularFile() ? attrs.size() : channel.size();
            ImageFile file = new ImageFile(path, channel, size, attrs.fileKey());
            channel = null;
            return file;
        } catch (AccessDeniedException e) {
            throw new ImageException(path, "permission denied");
        } catch (IOException | SecurityException e) {
            throw new ImageException(path, "cannot read: " + e.getMessage(), e);
        } finally {
            closeQuietly(channel);
        }
    }

    private static boolean isBlockDevice(Path path) throws IOException {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer m && (m & S_IFMT) == S_IFBLK;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false; // no "unix" attribute view: not a Linux host, so no block devices to read
        }
    }

    Path path() {
        return path;
    }

    /** Bytes in the file (for a block device, the device size). */
    long size() {
        return size;
    }

    /** What identifies the file on the host (device and inode on Linux), or null when unknown. */
    Object fileKey() {
        return fileKey;
    }

    /**
     * Exactly {@code length} bytes at {@code offset}, big-endian, positioned at 0.
     *
     * @param what names the structure being read, for the message when the file is too short
     */
    ByteBuffer bytes(long offset, int length, String what) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw truncated(what, offset, length);
        }
        if (offset + length <= head.limit()) {
            return head.slice((int) offset, length);
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            while (buf.hasRemaining()) {
                if (channel.read(buf, offset + buf.position()) < 0) {
                    throw truncated(what, offset, length);
                }
            }
        } catch (IOException e) {
            throw new ImageException(path, "cannot read " + what + " at offset " + offset + ": " + e.getMessage(), e);
        }
        return buf.flip();
    }

    /** The first bytes of the file (up to {@code max}), fewer when the file is shorter. */
    ByteBuffer prefix(int max) {
        return head.slice(0, Math.min(max, head.limit()));
    }

    ImageException truncated(String what, long offset, long length) {
        return new ImageException(path, "truncated: " + what + " needs bytes " + offset + ".."
                + (offset + length) + " but the file has " + size);
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // read-only channel: nothing was written that a failed close could lose
        }
    }
}
