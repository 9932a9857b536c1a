package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A valid qcow2 header, backing name, extensions and snapshot table, made from chosen values (no data
 * clusters: the reader never looks at them). {@link #random} picks every field within what qemu accepts;
 * {@link #bytes} lays them out as qcow2.txt says.
 */
record Qcow2Bytes(int version, int clusterBits, long virtualSize, String backingFile, String backingFormat,
                  boolean longHeader, List<Snap> snapshots) {
    /** At most this many L1 entries (so the L1 table fits in one cluster of 512 bytes). */
    static final long MAX_L1_ENTRIES = 64;

    /** One snapshot table entry. */
    record Snap(String id, String name, long dateSec, long dateNsec, long vmClockNsec, long vmStateSize,
                int extraSize, long diskSize) {
    }

    static Qcow2Bytes random(Random r) {
        int version = r.nextBoolean() ? 3 : 2;
        int clusterBits = 9 + r.nextInt(8);
        long maxSize = MAX_L1_ENTRIES << (2 * clusterBits - 3);
        long virtualSize = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> maxSize;
            default -> (long) (r.nextDouble() * maxSize);
        };
        int headerEnd = version == 2 ? 72 : 112;
        int room = (1 << clusterBits) - headerEnd - 8 - 24 - 8;
        String backingFormat = r.nextInt(3) == 0 ? null : text(r, 1, 15, true);
        String backing = r.nextInt(4) == 0 ? null : text(r, 1, Math.min(1023, room), false);
        List<Snap> snaps = new ArrayList<>();
        int count = r.nextInt(4) == 0 ? 0 : r.nextInt(12);
        for (int i = 0; i < count; i++) {
            int extra = r.nextInt(3) == 0 ? 0 : 8 * r.nextInt(4);
            if (r.nextInt(10) == 0) {
                extra = r.nextInt(1025);
            }
            long vmState = extra >= 8 ? r.nextLong() & Long.MAX_VALUE : r.nextInt() & 0xffffffffL;
            snaps.add(new Snap(Integer.toString(i + 1), text(r, 0, 80, false), r.nextInt() & 0xffffffffL,
                    r.nextInt(1_000_000_000), r.nextLong(), vmState, extra, extra >= 16 ? r.nextLong() : -1));
        }
        return new Qcow2Bytes(version, clusterBits, virtualSize, backing, backingFormat, r.nextBoolean(), snaps);
    }

    /** A string of 1..max UTF-8 bytes (ASCII only when asked), without NUL. */
    private static String text(Random r, int min, int maxBytes, boolean ascii) {
        StringBuilder sb = new StringBuilder();
        int target = min + r.nextInt(Math.max(1, maxBytes - min + 1));
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < target) {
            int cp = ascii || r.nextBoolean() ? 0x20 + r.nextInt(0x5f) : 0x80 + r.nextInt(0x2000);
            sb.appendCodePoint(cp);
        }
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    int headerLength() {
        return version == 2 ? 72 : longHeader ? 112 : 104;
    }

    long clusterSize() {
        return 1L << clusterBits;
    }

    byte[] bytes() {
        int cluster = 1 << clusterBits;
        byte[] table = snapshotTable();
        int tableClusters = (table.length + cluster - 1) / cluster;
        // clusters: 0 header, 1 refcount table (empty), 2 active L1 table (empty), 3.. snapshot table
        ByteBuffer b = ByteBuffer.allocate(cluster * (3 + Math.max(tableClusters, 1)));
        long l1Entries = (virtualSize + (1L << (2 * clusterBits - 3)) - 1) >> (2 * clusterBits - 3);
        b.putInt(0, Qcow2Header.MAGIC).putInt(4, version).putInt(20, clusterBits).putLong(24, virtualSize);
        b.putInt(36, (int) l1Entries).putLong(40, 2L * cluster).putLong(48, cluster).putInt(56, 1);
        b.putInt(60, snapshots.size()).putLong(64, snapshots.isEmpty() ? 0 : 3L * cluster);
        int at = headerLength();
        if (version == 3) {
            b.putInt(96, 4).putInt(100, at);
            if (backingFormat != null) {
                byte[] f = backingFormat.getBytes(StandardCharsets.UTF_8);
                b.putInt(at, Qcow2Header.EXT_BACKING_FORMAT).putInt(at + 4, f.length).put(at + 8, f);
                at += 8 + ((f.length + 7) & ~7);
            }
            b.putInt(at, 0).putInt(at + 4, 0);
            at += 8;
        }
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            b.putLong(8, at).putInt(16, name.length).put(at, name);
        }
        b.put(3 * cluster, table);
        return b.array();
    }

    private byte[] snapshotTable() {
        ByteBuffer t = ByteBuffer.allocate(snapshots.size() * (40 + 1024 + 2 * 400 + 8));
        for (Snap s : snapshots) {
            byte[] id = s.id().getBytes(StandardCharsets.UTF_8);
            byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
            int start = t.position();
            t.putLong(0).putInt(0).putShort((short) id.length).putShort((short) name.length)
                    .putInt((int) s.dateSec()).putInt((int) s.dateNsec()).putLong(s.vmClockNsec())
                    .putInt(s.extraSize() >= 8 ? 0 : (int) s.vmStateSize()).putInt(s.extraSize());
            byte[] extra = new byte[s.extraSize()];
            ByteBuffer e = ByteBuffer.wrap(extra);
            if (extra.length >= 8) {
                e.putLong(0, s.vmStateSize());
            }
            if (extra.length >= 16) {
                e.putLong(8, s.diskSize());
            }
            if (extra.length >= 24) {
                e.putLong(16, -1);
            }
            t.put(extra).put(id).put(name);
            t.position(start + ((t.position() - start + 7) & ~7));
        }
        byte[] out = new byte[t.position()];
        t.get(0, out);
        return out;
    }
}
