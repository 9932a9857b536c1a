package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
        long offset = h.snapshotsOffset();
        if (offset <= 0 || offset % h.clusterSize() != 0) {
            throw Qcow2Header.bad(f, "snapshots_offset " + Long.toUnsignedString(offset)
                    + " is not a positive multiple of the cluster size " + h.clusterSize());
        }
        if (offset >= f.size()) {
            throw Qcow2Header.bad(f, "snapshot table at offset " + offset + " lies beyond the end of the file ("
                    + f.size() + " bytes)");
        }
        if (count * ENTRY_FIXED > f.size() - offset) {
            throw Qcow2Header.bad(f, "snapshot table of " + count + " entries at offset " + offset
                    + " cannot fit in the file (" + f.size() + " bytes)");
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
                throw Qcow2Header.bad(f, entry(i) + ": extra_data_size " + extraSize + " exceeds " + MAX_EXTRA_DATA);
            }
            int extra = (int) extraSize;
            ByteBuffer rest = c.take(extra + idSize + nameSize, i);
            long diskSize = -1;
            long icount = -1;
            if (extra >= 8) {
                vmStateSize = rest.getLong(0);
                if (vmStateSize < 0) {
                    throw Qcow2Header.bad(f, entry(i) + ": vm_state_size " + Long.toUnsignedString(vmStateSize)
                            + " is too large");
                }
            }
            if (extra >= 16) {
                diskSize = rest.getLong(8);
            }
            if (extra >= 24) {
                icount = rest.getLong(16);
            }
            String id = string(rest, extra, idSize);
            String name = string(rest, extra + idSize, nameSize);
            out.add(new InternalSnapshot(id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize, icount));
        }
        return out;
    }

    private static String entry(long index) {
        return "snapshot table entry " + index;
    }

    private static String string(ByteBuffer b, int at, int length) {
        if (b.hasArray()) {
            return new String(b.array(), b.arrayOffset() + at, length, StandardCharsets.UTF_8);
        }
        byte[] raw = new byte[length];
        b.get(at, raw);
        return new String(raw, StandardCharsets.UTF_8);
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
                    throw Qcow2Header.bad(f, entry(index) + ": the snapshot table is larger than "
                            + (MAX_TABLE_BYTES >> 20) + " MiB");
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
