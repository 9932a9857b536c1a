package io.xsnap.host.qemu;

import io.xsnap.host.HostException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a file holds a whole QEMU migration stream. QEMU reports a save {@code completed} once it has
 * handed the last bytes to its {@code exec:} writer; a writer that then fails (the store filled up in the
 * last kilobytes, which still fit the pipe) leaves a short file behind a completed migration, and its exit
 * status is QEMU's to reap, not xsnap's. So the file itself is checked: QEMU 7.2 writes {@code "QEVM"} first
 * and ends the stream with {@code QEMU_VM_EOF} (0x00) followed by the device description
 * ({@code QEMU_VM_VMDESCRIPTION} 0x06, a big-endian 32-bit length, that many bytes of JSON), so a whole
 * stream ends with a JSON object whose length its header gives exactly (observed, machine pc; see
 * docs/reliability.md).
 */
final class MigrationStream {
    private static final byte[] MAGIC = {'Q', 'E', 'V', 'M'};
    private static final byte VM_EOF = 0x00;
    private static final byte VM_DESCRIPTION = 0x06;
    /** The device description of a guest with many devices stays far below this. */
    static final int TAIL = 4 << 20;

    private MigrationStream() {
    }

    /** Throws a {@link HostException} naming {@code file} unless it holds a whole stream. */
    static void checkWhole(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(MAGIC.length);
            ch.read(head, 0);
            if (head.position() < MAGIC.length || !head.flip().equals(ByteBuffer.wrap(MAGIC))) {
                throw new HostException(file + ": not a QEMU memory save (no QEVM header, " + size + " bytes)");
            }
            int n = (int) Math.min(size, TAIL);
            ByteBuffer tail = ByteBuffer.allocate(n);
            while (tail.hasRemaining() && ch.read(tail, size - n + tail.position()) > 0) {
                // read the whole tail
            }
            byte[] b = tail.array();
            if (b[n - 1] == '}') {
                for (int o = n - 6; o >= 1; o--) {
                    if (b[o] == VM_DESCRIPTION && b[o - 1] == VM_EOF && b[o + 5] == '{'
                            && (ByteBuffer.wrap(b, o + 1, 4).getInt() & 0xffffffffL) == n - o - 5) {
                        return;
                    }
                }
            }
            throw new HostException(file + ": the memory save is cut short (" + size + " bytes, no end of "
                    + "stream): its writer stopped before the end, the store may be full");
        } catch (IOException e) {
            throw new HostException(file + ": cannot read the memory save: " + e.getMessage(), e);
        }
    }
}
