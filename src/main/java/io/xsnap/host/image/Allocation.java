package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * Which guest clusters a qcow2 layer holds, from its active L1/L2 tables (never its data, nor the tables of its
 * internal snapshots): what merging it elsewhere copies, and what of its backing file it hides.
 *
 * @param clusterSize bytes per cluster
 * @param data        clusters whose contents the layer holds (allocated or compressed, not zero clusters)
 * @param covered     clusters the layer answers itself (data and zero clusters): there, its backing file does
 *                    not show through
 */
public record Allocation(long clusterSize, BitSet data, BitSet covered) {
    /** The most L2 table bytes one image may make xsnap read; beyond it the allocation is left unknown. */
    static final long MAX_L2_BYTES = 64L << 20;
    /** qemu's QCOW_MAX_L1_SIZE. */
    static final long MAX_L1_BYTES = 32L << 20;

    private static final long L1_OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long L2_OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long L2_COMPRESSED = 1L << 62;
    private static final long L2_ZERO = 1L;

    /** Bytes of guest data the layer holds: what committing it into its backing file copies. */
    public long dataBytes() {
        return data.cardinality() * clusterSize;
    }

    /**
     * Bytes of {@code backing}'s data that show through {@code above} (are not covered by it): what streaming
     * {@code backing} into {@code above} copies.
     */
    public static long visibleBytes(Allocation backing, Allocation above) {
        long unit = Math.min(backing.clusterSize, above.clusterSize);
        BitSet shown = backing.scaledTo(backing.data, unit);
        shown.andNot(above.scaledTo(above.covered, unit));
        return shown.cardinality() * unit;
    }

    /**
     * Bytes of a raw backing file of {@code size} bytes that show through {@code above}, taking the raw file
     * as fully allocated (xsnap does not map a raw file's holes).
     */
    public static long visibleBytesOfRaw(long size, Allocation above) {
        long clusters = (size + above.clusterSize - 1) / above.clusterSize;
        long covered = above.covered.get(0, (int) Math.min(clusters, Integer.MAX_VALUE)).cardinality();
        return Math.max(0, size - covered * above.clusterSize);
    }

    /** The clusters of {@code set} (in this layer's cluster size) as clusters of {@code unit} bytes. */
    private BitSet scaledTo(BitSet set, long unit) {
        if (unit == clusterSize) {
            return (BitSet) set.clone();
        }
        int factor = (int) (clusterSize / unit);
        BitSet out = new BitSet();
        for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
            out.set(i * factor, (i + 1) * factor);
        }
        return out;
    }

    /**
     * Reads the active L1 and L2 tables. Returns null when reading them would take more than
     * {@link #MAX_L2_BYTES}; a table outside the file is an {@link ImageException}.
     */
    static Allocation read(ImageFile f, Qcow2Header h) {
        ByteBuffer head = f.bytes(0, 48, "qcow2 header");
        long l1Size = head.getInt(36) & 0xffffffffL;
        long l1Offset = head.getLong(40);
        long clusterSize = h.clusterSize();
        boolean extended = (h.incompatibleFeatures() & Qcow2Header.INCOMPAT_EXTL2) != 0;
        int entryBytes = extended ? 16 : 8;
        long entriesPerL2 = clusterSize / entryBytes;
        long clusters = (h.virtualSize() + clusterSize - 1) / clusterSize;
        if (l1Size * 8 > MAX_L1_BYTES || clusters > Integer.MAX_VALUE) {
            return null;
        }
        BitSet data = new BitSet();
        BitSet covered = new BitSet();
        if (l1Size == 0) {
            return new Allocation(clusterSize, data, covered);
        }
        ByteBuffer l1 = f.bytes(l1Offset, (int) (l1Size * 8), "L1 table");
        long l2Bytes = 0;
        for (int i = 0; i < l1Size; i++) {
            long l2Offset = l1.getLong(i * 8) & L1_OFFSET_MASK;
            if (l2Offset == 0) {
                continue;
            }
            l2Bytes += clusterSize;
            if (l2Bytes > MAX_L2_BYTES) {
                return null;
            }
            ByteBuffer l2 = f.bytes(l2Offset, (int) clusterSize, "L2 table " + i);
            for (int j = 0; j < entriesPerL2; j++) {
                long cluster = i * entriesPerL2 + j;
                if (cluster >= clusters) {
                    break;
                }
                long entry = l2.getLong(j * entryBytes);
                long subclusters = extended ? l2.getLong(j * entryBytes + 8) : 0;
                boolean compressed = (entry & L2_COMPRESSED) != 0;
                boolean hasData;
                boolean answers;
                if (compressed) {
                    hasData = true;
                    answers = true;
                } else if (extended) {
                    // subclusters: low 32 bits allocated, high 32 bits zero; a cluster partly held counts as held
                    hasData = (entry & L2_OFFSET_MASK) != 0 && (subclusters & 0xffffffffL) != 0;
                    answers = hasData || subclusters != 0;
                } else {
                    hasData = (entry & L2_OFFSET_MASK) != 0 && (entry & L2_ZERO) == 0;
                    answers = hasData || (entry & L2_ZERO) != 0;
                }
                if (hasData) {
                    data.set((int) cluster);
                }
                if (answers) {
                    covered.set((int) cluster);
                }
            }
        }
        return new Allocation(clusterSize, data, covered);
    }
}
