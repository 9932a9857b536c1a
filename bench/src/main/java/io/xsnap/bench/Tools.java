package io.xsnap.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** What the fixture generators share: running qemu-img, and copying an image file sparsely. */
final class Tools {
    private static final int BLOCK = 4096;

    private Tools() {
    }

    /** Runs a command, failing loudly with its output when it does not exit 0. */
    static void run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A qcow2 image of {@code size} with one internal snapshot per name, made by qemu-img. */
    static void qcow2WithSnapshots(Path file, String size, List<String> snapshots) {
        run("qemu-img", "create", "-q", "-f", "qcow2", file.toString(), size);
        for (String s : snapshots) {
            run("qemu-img", "snapshot", "-c", s, file.toString());
        }
    }

    /** The non-zero 4 KiB blocks of a file, to write copies that stay as sparse as the original. */
    static final class SparseTemplate {
        private final long size;
        private final List<long[]> runs = new ArrayList<>();
        private final byte[] data;

        SparseTemplate(Path file) {
            try {
                data = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            size = data.length;
            int start = -1;
            for (int off = 0; off < data.length; off += BLOCK) {
                boolean zero = isZero(data, off, Math.min(BLOCK, data.length - off));
                if (!zero && start < 0) {
                    start = off;
                } else if (zero && start >= 0) {
                    runs.add(new long[] {start, off});
                    start = -1;
                }
            }
            if (start >= 0) {
                runs.add(new long[] {start, data.length});
            }
        }

        void copyTo(Path target) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (long[] r : runs) {
                    ByteBuffer buf = ByteBuffer.wrap(data, (int) r[0], (int) (r[1] - r[0]));
                    long pos = r[0];
                    while (buf.hasRemaining()) {
                        pos += ch.write(buf, pos);
                    }
                }
                if (ch.size() < size) {
                    ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static boolean isZero(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
