package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a qcow2 snapshot table within qemu's limits (block/qcow2.h): at most 65536 entries, 64 MiB in all,
 * 1024 bytes of extra data per entry. The table is read through a window of at most
 * {@value #WINDOW} bytes (larger only for one entry that needs it, itself bounded by the u16 sizes and the
 * extra-data limit), so no input makes it allocate more.
 */
final class SnapshotTable {
    static final long MAX_SNAPSHOTS = 65536;
    static final long MAX_TABLE_BYTES = 64L << 20;
    static final int MAX_EXTRA_DATA = 1024;
    static final int ENTRY_FIXED = 40;
    static final int WINDOW = 64 << 10;
    /** What an entry written by qemu usually takes (40 fixed, 24 extra, a short id and name): the first read. */
    static final int TYPICAL_ENTRY = 96;
    /** qemu-img shows an id and a name as copied into QEMUSnapshotInfo: char id_str[128], name[256]. */
    static final int MAX_ID_SHOWN = 127;
    static final int MAX_NAME_SHOWN = 255;

    private SnapshotTable() {
    }

    static List<InternalSnapshot> read(ImageFile f, Qcow2Header h) {
        long count = h.snapshotCount();
        if (count == 0) {
            return List.of();
        }
        if (count > MAX_SNAPSHOTS) {
            throw Qcow2Header.bad(f, "nb_snapshots " + count + " exceeds " + MAX_SNAPSHOTS);
        }
        long offset = h.snapshotsOffset(); // its size and alignment were checked with the header
        if (offset >= f.size() || count * ENTRY_FIXED > f.size() - offset) {
            throw f.truncated("snapshot table of " + count + " entries", offset, count * ENTRY_FIXED);
        }
        Cursor c = new Cursor(f, offset, count * TYPICAL_ENTRY);
        List<InternalSnapshot> out = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 1; i <= count; i++) {
            c.alignTo8();
            ByteBuffer e = c.take(ENTRY_FIXED, i);
            int idSize = Qcow2Header.u16(e, 12);
            int nameSize = Qcow2Header.u16(e, 14);
            long dateSec = Qcow2Header.u32(e, 16);
            long dateNsec = Qcow2Header.u32(e, 20);
            long vmClockNsec = e.getLong(24);
            long vmStateSize = Qcow2Header.u32(e, 32);
            long extraSize = Qcow2Header.u32(e, 36);
            if (extraSize > MAX_EXTRA_DATA) {
                throw Qcow2Header.bad(f, "Too much extra metadata in snapshot table entry " + (i - 1)
                        + " (extra_data_size " + extraSize + ", at most " + MAX_EXTRA_DATA + ")");
            }
            int extra = (int) extraSize;
            ByteBuffer rest = c.take(extra + idSize + nameSize, i);
            long diskSize = -1;
            long icount = -1;
            if (extra >= 8) {
                vmStateSize = rest.getLong(0); // unsigned; qemu-img prints it as a signed 64-bit number
            }
            if (extra >= 16) {
                diskSize = rest.getLong(8);
            }
            if (extra >= 24) {
                icount = rest.getLong(16);
            }
            String id = QemuStrings.cString(rest.slice(extra, idSize), MAX_ID_SHOWN);
            String name = QemuStrings.cString(rest.slice(extra + idSize, nameSize), MAX_NAME_SHOWN);
            out.add(new InternalSnapshot(id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize, icount));
        }
        return out;
    }

    private static String entry(long index) {
        return "snapshot table entry " + index;
    }

    /** Sequential reads through a bounded window; never past the file end nor past 64 MiB of table. */
    private static final class Cursor {
        private final ImageFile f;
        private final long end;
        private final long tableEnd;
        private long expected;
        private long pos;
        private ByteBuffer window = ByteBuffer.allocate(0);
        private long windowStart;

        /** @param expected bytes the table probably takes, to size the first read */
        Cursor(ImageFile f, long start, long expected) {
            this.f = f;
            this.expected = expected;
            this.pos = start;
            this.tableEnd = start + MAX_TABLE_BYTES;
            this.end = Math.min(f.size(), tableEnd);
        }

        void alignTo8() {
            pos = (pos + 7) & ~7L;
        }

        /** The next {@code n} bytes of entry {@code index} (which names it in messages). */
        ByteBuffer take(int n, long index) {
            if (n > end - pos) {
                if (pos + n > tableEnd) {
                    throw Qcow2Header.bad(f, "Snapshot table is too big (" + entry(index) + " ends past "
                            + (MAX_TABLE_BYTES >> 20) + " MiB)");
                }
                throw f.truncated(entry(index), pos, n);
            }
            if (pos < windowStart || pos + n > windowStart + window.limit()) {
                int len = (int) Math.min(end - pos, Math.max(n, Math.min(WINDOW, Math.max(expected, 4096))));
                expected = WINDOW;
                window = f.bytes(pos, len, "snapshot table");
                windowStart = pos;
            }
            ByteBuffer slice = window.slice((int) (pos - windowStart), n);
            pos += n;
            return slice;
        }
    }
}
