package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checked fields of a qcow2 header and of its extensions (qcow2.txt; all integers big-endian).
 *
 * <p>{@link #read} reads only the header, the extension area (which never reaches past the first cluster)
 * and the backing file name, each with a fixed upper bound, and refuses anything qemu would refuse to
 * open, including incompatible feature bits it does not know.
 */
record Qcow2Header(int version, int clusterBits, long virtualSize, String backingFile, String backingFormat,
                   String dataFile, long incompatibleFeatures, long compatibleFeatures, long autoclearFeatures,
                   int refcountOrder, int compressionType, long snapshotCount, long snapshotsOffset) {

    static final int MAGIC = 0x514649FB;
    static final int V2_HEADER_LENGTH = 72;
    static final int V3_MIN_HEADER_LENGTH = 104;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int MAX_BACKING_NAME = 1023;
    /** qemu keeps the backing format in a 16-byte C string. */
    static final int MAX_FORMAT_NAME = 15;
    static final int MAX_DATA_FILE_NAME = 4096;
    static final int MAX_REFCOUNT_ORDER = 6;
    static final int MAX_CRYPT_METHOD = 2;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTL2 = 1 << 4;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE
            | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

    static final int EXT_END = 0x00000000;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int EXT_FEATURE_TABLE = 0x6803F857;
    static final int EXT_DATA_FILE = 0x44415441;
    private static final int FEATURE_ENTRY = 48;
    private static final int FEATURE_INCOMPATIBLE = 0;

    long clusterSize() {
        return 1L << clusterBits;
    }

    boolean dirty() {
        return (incompatibleFeatures & INCOMPAT_DIRTY) != 0;
    }

    boolean corrupt() {
        return (incompatibleFeatures & INCOMPAT_CORRUPT) != 0;
    }

    static Qcow2Header read(ImageFile f) {
        return new Parser(f).parse();
    }

    /** One header being checked, in the order qemu's qcow2_do_open checks it. */
    private static final class Parser {
        private final ImageFile f;
        private long version;
        private long backingOffset;
        private long backingSize;
        private long clusterBits;
        private long virtualSize;
        private long snapshotCount;
        private long snapshotsOffset;
        private long incompatible;
        private long compatible;
        private long autoclear;
        private long refcountOrder = 4;
        private long headerLength = V2_HEADER_LENGTH;
        private int compressionType;

        Parser(ImageFile f) {
            this.f = f;
        }

        Qcow2Header parse() {
            commonFields();
            if (version == 3) {
                version3Fields();
            }
            checkBackingBounds();
            long extensionsEnd = backingOffset != 0 ? backingOffset : 1L << clusterBits;
            Extensions ext = Extensions.read(f, headerLength, extensionsEnd);
            String backingFile = null;
            if (backingOffset != 0 && backingSize > 0) {
                backingFile = string(f, backingOffset, (int) backingSize, "backing file name");
            }
            checkFeatures(ext);
            String dataFile = (incompatible & INCOMPAT_DATA_FILE) != 0 ? ext.dataFile() : null;
            return new Qcow2Header((int) version, (int) clusterBits, virtualSize, backingFile, ext.backingFormat(),
                    dataFile, incompatible, compatible, autoclear, (int) refcountOrder, compressionType,
                    snapshotCount, snapshotsOffset);
        }

        /** The first 72 bytes, common to versions 2 and 3. */
        private void commonFields() {
            ByteBuffer h = f.bytes(0, V2_HEADER_LENGTH, "qcow2 header");
            int magic = h.getInt(0);
            if (magic != MAGIC) {
                throw bad(f, String.format("not a qcow2 image (magic 0x%08x, expected 0x%08x)", magic, MAGIC));
            }
            version = u32(h, 4);
            if (version == 1) {
                throw bad(f, "qcow version 1 image; only qcow2 versions 2 and 3 are supported");
            }
            if (version != 2 && version != 3) {
                throw bad(f, "unsupported qcow2 version " + version + " (only 2 and 3 are supported)");
            }
            backingOffset = h.getLong(8);
            backingSize = u32(h, 16);
            clusterBits = u32(h, 20);
            if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
                throw bad(f, "cluster_bits " + clusterBits + " out of range " + MIN_CLUSTER_BITS + ".."
                        + MAX_CLUSTER_BITS);
            }
            virtualSize = h.getLong(24);
            if (virtualSize < 0) {
                throw bad(f, "virtual size " + Long.toUnsignedString(virtualSize) + " is too large");
            }
            long cryptMethod = u32(h, 32);
            if (cryptMethod > MAX_CRYPT_METHOD) {
                throw bad(f, "unknown crypt_method " + cryptMethod);
            }
            snapshotCount = u32(h, 60);
            snapshotsOffset = h.getLong(64);
        }

        /** Bytes 72.. of a version 3 header: feature bits, refcount order, header length, compression type. */
        private void version3Fields() {
            ByteBuffer v3 = f.bytes(0, V3_MIN_HEADER_LENGTH, "qcow2 version 3 header");
            incompatible = v3.getLong(72);
            compatible = v3.getLong(80);
            autoclear = v3.getLong(88);
            refcountOrder = u32(v3, 96);
            headerLength = u32(v3, 100);
            if (headerLength < V3_MIN_HEADER_LENGTH || headerLength % 8 != 0) {
                throw bad(f, "header_length " + headerLength + " is invalid (version 3 needs a multiple of 8, "
                        + "at least " + V3_MIN_HEADER_LENGTH + ")");
            }
            long clusterSize = 1L << clusterBits;
            if (headerLength > clusterSize) {
                throw bad(f, "header_length " + headerLength + " exceeds the cluster size " + clusterSize);
            }
            ByteBuffer full = f.bytes(0, (int) headerLength, "qcow2 header (header_length)");
            if (headerLength > V3_MIN_HEADER_LENGTH) {
                compressionType = full.get(V3_MIN_HEADER_LENGTH) & 0xff;
            }
            if (refcountOrder > MAX_REFCOUNT_ORDER) {
                throw bad(f, "refcount_order " + refcountOrder + " out of range 0.." + MAX_REFCOUNT_ORDER);
            }
        }

        /** The backing name lies in the first cluster, after the header, and is at most 1023 bytes. */
        private void checkBackingBounds() {
            if (backingOffset == 0) {
                return;
            }
            long clusterSize = 1L << clusterBits;
            if (backingOffset < headerLength || backingOffset >= clusterSize) {
                throw bad(f, "backing_file_offset " + Long.toUnsignedString(backingOffset)
                        + " is not inside the first cluster after the header");
            }
            if (backingSize > MAX_BACKING_NAME) {
                throw bad(f, "backing_file_size " + backingSize + " exceeds " + MAX_BACKING_NAME);
            }
            if (backingSize > clusterSize - backingOffset) {
                throw bad(f, "backing file name (" + backingSize + " bytes at offset " + backingOffset
                        + ") does not fit in the first cluster");
            }
        }

        /** Refuses unknown incompatible features and the known ones in a state qemu refuses. */
        private void checkFeatures(Extensions ext) {
            long unknown = incompatible & ~INCOMPAT_KNOWN;
            if (unknown != 0) {
                throw bad(f, "unsupported incompatible feature(s): "
                        + describeBits(unknown, ext.incompatibleNames(f)));
            }
            if (compressionType > 1) {
                throw bad(f, "unknown compression_type " + compressionType);
            }
            if ((compressionType != 0) != ((incompatible & INCOMPAT_COMPRESSION) != 0)) {
                throw bad(f, "compression_type " + compressionType
                        + " disagrees with the compression type feature bit");
            }
            if ((incompatible & INCOMPAT_DATA_FILE) != 0 && ext.dataFile() == null) {
                throw bad(f, "uses an external data file but does not name it");
            }
        }
    }

    private static String describeBits(long bits, Map<Integer, String> names) {
        List<String> parts = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) != 0) {
                String name = names.get(bit);
                parts.add("bit " + bit + (name == null ? "" : " (" + name + ")"));
            }
        }
        return String.join(", ", parts);
    }

    /**
     * What the header extensions say; unknown extension types are skipped. The feature name table is only
     * located here and read when a message needs a feature's name.
     */
    private record Extensions(String backingFormat, String dataFile, long featureTableOffset,
                              int featureTableLength) {

        static Extensions read(ImageFile f, long start, long end) {
            String backingFormat = null;
            String dataFile = null;
            long featureTableOffset = 0;
            int featureTableLength = 0;
            long off = start;
            while (off < end) {
                if (end - off < 8) {
                    throw bad(f, "header extension at offset " + off + " crosses the end of the extension area ("
                            + end + ")");
                }
                ByteBuffer e = f.bytes(off, 8, "header extension");
                int type = e.getInt(0);
                long len = u32(e, 4);
                if (type == EXT_END) {
                    break;
                }
                off += 8;
                if (len > end - off) {
                    throw bad(f, String.format("header extension 0x%08x at offset %d: length %d runs past the end "
                            + "of the extension area (%d)", type, off - 8, len, end));
                }
                switch (type) {
                    case EXT_BACKING_FORMAT -> {
                        if (len > MAX_FORMAT_NAME) {
                            throw bad(f, "backing format name is " + len + " bytes (at most " + MAX_FORMAT_NAME + ")");
                        }
                        backingFormat = string(f, off, (int) len, "backing format extension");
                    }
                    case EXT_DATA_FILE -> {
                        if (len > MAX_DATA_FILE_NAME) {
                            throw bad(f, "data file name is " + len + " bytes (at most " + MAX_DATA_FILE_NAME + ")");
                        }
                        dataFile = string(f, off, (int) len, "data file extension");
                    }
                    case EXT_FEATURE_TABLE -> {
                        featureTableOffset = off;
                        featureTableLength = (int) len;
                    }
                    default -> {
                        // unknown extensions may be ignored (qcow2.txt)
                    }
                }
                off += (len + 7) & ~7L;
            }
            return new Extensions(backingFormat, dataFile, featureTableOffset, featureTableLength);
        }

        /** Names of incompatible feature bits from the feature name table (48-byte entries), by bit. */
        Map<Integer, String> incompatibleNames(ImageFile f) {
            Map<Integer, String> names = new TreeMap<>();
            int len = featureTableLength;
            ByteBuffer t = f.bytes(featureTableOffset, len, "feature name table");
            for (int at = 0; at + FEATURE_ENTRY <= len; at += FEATURE_ENTRY) {
                if ((t.get(at) & 0xff) == FEATURE_INCOMPATIBLE) {
                    int bit = t.get(at + 1) & 0xff;
                    byte[] raw = new byte[FEATURE_ENTRY - 2];
                    t.get(at + 2, raw);
                    int n = 0;
                    while (n < raw.length && raw[n] != 0) {
                        n++;
                    }
                    names.put(bit, new String(raw, 0, n, StandardCharsets.UTF_8));
                }
            }
            return names;
        }
    }

    static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }

    static int u16(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at));
    }

    /** A string stored without a terminating NUL; an embedded NUL makes the image invalid. */
    private static String string(ImageFile f, long offset, int length, String what) {
        ByteBuffer b = f.bytes(offset, length, what);
        byte[] raw = new byte[length];
        b.get(0, raw);
        for (byte c : raw) {
            if (c == 0) {
                throw bad(f, what + " contains a NUL byte");
            }
        }
        return new String(raw, StandardCharsets.UTF_8);
    }

    static ImageException bad(ImageFile f, String what) {
        return new ImageException(f.path(), what);
    }
}
