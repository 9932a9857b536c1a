package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The checked fields of a qcow2 header and of its extensions (qcow2.txt; all integers big-endian).
 *
 * <p>{@link #read} reads only the header, the extension area (which never reaches past the first cluster)
 * and the backing file name, each with a fixed upper bound, and refuses what qemu-img 7.2 refuses to open
 * (block/qcow2.c qcow2_do_open, which {@code qemu-img info} runs with BDRV_O_NO_IO), in its order and with
 * its words ("Active L1 table too large", "Unsupported qcow2 feature(s): ..."), followed by the values in
 * parentheses. The table checks use header values only: no further reads. Where qemu reads past the end of
 * a truncated file (and sees zeros) xsnap refuses instead, naming what lies outside the file.
 */
record Qcow2Header(int version, int clusterBits, long virtualSize, String backingFile, String backingFormat,
                   String dataFile, long incompatibleFeatures, long compatibleFeatures, long autoclearFeatures,
                   int refcountOrder, int compressionType, long snapshotCount, long snapshotsOffset,
                   long cryptMethod) {

    static final int MAGIC = 0x514649FB;
    static final int V2_HEADER_LENGTH = 72;
    static final int V3_MIN_HEADER_LENGTH = 104;
    /** sizeof(QCowHeader) in qemu: the version 3 fields and the compression type, padded. */
    static final int QEMU_HEADER_STRUCT = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int MAX_BACKING_NAME = 1023;
    /** qemu keeps the backing format in a 16-byte C string. */
    static final int FORMAT_NAME_BUFFER = 16;
    static final int MAX_REFCOUNT_ORDER = 6;
    /** qemu's limits on the tables (block/qcow2.h): QCOW_MAX_REFTABLE_SIZE, QCOW_MAX_L1_SIZE. */
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final long MAX_L1_BYTES = 32L << 20;
    static final int SNAPSHOT_HEADER = 40;
    static final int EXTL2_SUBCLUSTERS = 32;
    static final int CRYPTO_HEADER_EXT = 16;
    static final long CRYPT_LUKS = 2;
    static final int BITMAPS_EXT = 24;
    static final long MAX_BITMAPS = 65535;
    static final long MAX_BITMAP_DIRECTORY = 1024 * MAX_BITMAPS;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTL2 = 1 << 4;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE
            | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;
    static final long COMPAT_LAZY_REFCOUNTS = 1;
    static final long AUTOCLEAR_BITMAPS = 1;
    static final long AUTOCLEAR_DATA_FILE_RAW = 1 << 1;

    static final int EXT_END = 0x00000000;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int EXT_FEATURE_TABLE = 0x6803F857;
    static final int EXT_DATA_FILE = 0x44415441;
    static final int EXT_CRYPTO_HEADER = 0x0537BE77;
    static final int EXT_BITMAPS = 0x23852875;
    private static final int FEATURE_ENTRY = 48;
    private static final int FEATURE_NAME = 46;
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

    boolean extendedL2() {
        return (incompatibleFeatures & INCOMPAT_EXTL2) != 0;
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
        private long cryptMethod;
        private long l1Size;
        private long l1Offset;
        private long refcountOffset;
        private long refcountClusters;
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
            long clusterSize = 1L << clusterBits;
            if (headerLength > clusterSize) {
                throw bad(f, "qcow2 header exceeds cluster size (header_length " + headerLength + ", cluster size "
                        + clusterSize + ")");
            }
            if (headerLength > QEMU_HEADER_STRUCT) {
                f.bytes(0, (int) headerLength, "qcow2 header (header_length " + headerLength + ")");
            }
            if (Long.compareUnsigned(backingOffset, clusterSize) > 0) {
                throw bad(f, "Invalid backing file offset (" + Long.toUnsignedString(backingOffset)
                        + ", the cluster size is " + clusterSize + ")");
            }
            long extensionsEnd = backingOffset != 0 ? backingOffset : clusterSize;
            checkCompressionType();
            if ((incompatible & ~INCOMPAT_KNOWN) != 0) {
                throw bad(f, "Unsupported qcow2 feature(s): " + unsupportedFeatures(extensionsEnd));
            }
            long subclusterSize = (incompatible & INCOMPAT_EXTL2) != 0 ? clusterSize / EXTL2_SUBCLUSTERS : clusterSize;
            if (subclusterSize < 1L << MIN_CLUSTER_BITS) {
                throw bad(f, "Unsupported subcluster size: " + subclusterSize);
            }
            if (refcountOrder > MAX_REFCOUNT_ORDER) {
                throw bad(f, "Reference count entry width too large; may not exceed 64 bits (refcount_order "
                        + refcountOrder + ")");
            }
            if (cryptMethod > CRYPT_LUKS) {
                throw bad(f, "Unsupported encryption method " + cryptMethod);
            }
            checkTables(clusterSize);
            Extensions ext = Extensions.read(f, headerLength, extensionsEnd, this, true);
            String backingFile = null;
            if (backingOffset != 0) {
                if (backingSize > Math.min(MAX_BACKING_NAME, clusterSize - backingOffset)) {
                    throw bad(f, "Backing file name too long (" + backingSize + " bytes at offset " + backingOffset
                            + ")");
                }
                String name = QemuStrings.cString(f.bytes(backingOffset, (int) backingSize, "backing file name"),
                        Integer.MAX_VALUE);
                backingFile = name.isEmpty() ? null : name;
            }
            return new Qcow2Header((int) version, (int) clusterBits, virtualSize, backingFile, ext.backingFormat(),
                    ext.dataFile(), incompatible, compatible, autoclear, (int) refcountOrder, compressionType,
                    snapshotCount, snapshotsOffset, cryptMethod);
        }

        /** The first 72 bytes, common to versions 2 and 3. */
        private void commonFields() {
            ByteBuffer h = f.bytes(0, V2_HEADER_LENGTH, "qcow2 header");
            int magic = h.getInt(0);
            if (magic != MAGIC) {
                throw bad(f, String.format("Image is not in qcow2 format (magic 0x%08x, expected 0x%08x)", magic,
                        MAGIC));
            }
            version = u32(h, 4);
            if (version < 2 || version > 3) {
                throw bad(f, "Unsupported qcow2 version " + version);
            }
            backingOffset = h.getLong(8);
            backingSize = u32(h, 16);
            clusterBits = u32(h, 20);
            if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
                throw bad(f, "Unsupported cluster size: 2^" + clusterBits);
            }
            virtualSize = h.getLong(24);
            cryptMethod = u32(h, 32);
            l1Size = u32(h, 36);
            l1Offset = h.getLong(40);
            refcountOffset = h.getLong(48);
            refcountClusters = u32(h, 56);
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
            if (headerLength < V3_MIN_HEADER_LENGTH) {
                throw bad(f, "qcow2 header too short (header_length " + headerLength + ")");
            }
            if (headerLength > V3_MIN_HEADER_LENGTH) {
                compressionType = f.bytes(V3_MIN_HEADER_LENGTH, 1, "qcow2 header (compression type)").get(0) & 0xff;
            }
        }

        private void checkCompressionType() {
            if (compressionType > 1) {
                throw bad(f, "qcow2: unknown compression type: " + compressionType);
            }
            boolean bit = (incompatible & INCOMPAT_COMPRESSION) != 0;
            if (compressionType == 0 && bit) {
                throw bad(f, "qcow2: Compression type incompatible feature bit must not be set");
            }
            if (compressionType != 0 && !bit) {
                throw bad(f, "qcow2: Compression type incompatible feature bit must be set");
            }
        }

        /**
         * The refcount table, snapshot table and active L1 table as qcow2_validate_table checks them (size and
         * alignment), then the L1 table against the virtual size. xsnap also refuses a refcount or L1 table
         * past the end of the file, which qemu would read as zeros.
         */
        private void checkTables(long clusterSize) {
            if (refcountClusters == 0) {
                throw bad(f, "Image does not contain a reference count table");
            }
            validate(refcountOffset, refcountClusters, clusterSize, MAX_REFTABLE_BYTES, "Reference count table");
            validate(snapshotsOffset, snapshotCount, SNAPSHOT_HEADER, SNAPSHOT_HEADER * SnapshotTable.MAX_SNAPSHOTS,
                    "Snapshot table");
            validate(l1Offset, l1Size, 8, MAX_L1_BYTES, "Active L1 table");
            long l2Bits = clusterBits - ((incompatible & INCOMPAT_EXTL2) != 0 ? 4 : 3);
            long shift = clusterBits + l2Bits;
            // size_to_l1() in unsigned 64-bit arithmetic, wrapping as qemu's does
            long l1Needed = (virtualSize + (1L << shift) - 1) >>> shift;
            if (Long.compareUnsigned(l1Needed, Integer.MAX_VALUE) > 0) {
                throw bad(f, "Image is too big (virtual size " + Long.toUnsignedString(virtualSize) + ")");
            }
            if (l1Size < l1Needed) {
                throw bad(f, "L1 table is too small (" + l1Size + " entries; the virtual size "
                        + Long.toUnsignedString(virtualSize) + " needs " + l1Needed + ")");
            }
            if (virtualSize < 0) {
                throw bad(f, "Could not refresh total sector count: File too large (virtual size "
                        + Long.toUnsignedString(virtualSize) + ")");
            }
            inFile(refcountOffset, refcountClusters * clusterSize, "reference count table");
            inFile(l1Offset, l1Size * 8, "active L1 table");
        }

        private void validate(long offset, long entries, long entryLength, long maxBytes, String table) {
            if (entries > maxBytes / entryLength) {
                throw bad(f, table + " too large (" + entries + " entries, at most " + maxBytes / entryLength + ")");
            }
            if (Long.compareUnsigned(offset, Long.MAX_VALUE - entries * entryLength) > 0
                    || (offset & ((1L << clusterBits) - 1)) != 0) {
                throw bad(f, table + " offset invalid (" + Long.toUnsignedString(offset) + ", cluster size "
                        + (1L << clusterBits) + ")");
            }
        }

        private void inFile(long offset, long length, String what) {
            if (length > 0 && (offset > f.size() || length > f.size() - offset)) {
                throw f.truncated(what, offset, length);
            }
        }

        /** What qemu's report_unsupported_feature says: names from the feature table, then unnamed bits in hex. */
        private String unsupportedFeatures(long extensionsEnd) {
            long mask = incompatible & ~INCOMPAT_KNOWN;
            List<String> parts = new ArrayList<>();
            Extensions ext;
            try {
                ext = Extensions.read(f, headerLength, extensionsEnd, this, false);
            } catch (ImageException e) {
                ext = null; // qemu reports the bits alone when it cannot read the extension area
            }
            if (ext != null && ext.featureTableLength() > 0) {
                int len = ext.featureTableLength();
                ByteBuffer t = f.bytes(ext.featureTableOffset(), len, "feature name table");
                for (int at = 0; at < len; at += FEATURE_ENTRY) {
                    byte[] entry = new byte[FEATURE_ENTRY]; // zero padded past the table, as qemu's buffer is
                    t.get(at, entry, 0, Math.min(FEATURE_ENTRY, len - at));
                    if (entry[2] == 0) {
                        break;
                    }
                    int bit = entry[1] & 0xff;
                    if (entry[0] == FEATURE_INCOMPATIBLE && bit < 64 && (mask & (1L << bit)) != 0) {
                        parts.add(QemuStrings.cString(ByteBuffer.wrap(entry, 2, FEATURE_NAME).slice(), FEATURE_NAME));
                        mask &= ~(1L << bit);
                    }
                }
            }
            if (mask != 0) {
                parts.add("Unknown incompatible feature: " + Long.toHexString(mask));
            }
            return String.join(", ", parts);
        }
    }

    /**
     * What the header extensions say, read as qcow2_read_extensions reads them; unknown extension types are
     * skipped. The feature name table is only located here.
     */
    private record Extensions(String backingFormat, String dataFile, long featureTableOffset,
                              int featureTableLength) {

        /** @param strict check every extension as qemu's second, failing pass does */
        static Extensions read(ImageFile f, long start, long end, Parser p, boolean strict) {
            String backingFormat = null;
            String dataFile = null;
            long featureTableOffset = 0;
            int featureTableLength = 0;
            long off = start;
            while (off < end) {
                ByteBuffer e = f.bytes(off, 8, "header extension");
                int type = e.getInt(0);
                long len = u32(e, 4);
                off += 8;
                if (off > end || len > end - off) {
                    throw bad(f, String.format("Header extension too large (type 0x%08x, %d bytes at offset %d; the"
                            + " extension area ends at %d)", type, len, off - 8, end));
                }
                if (type == EXT_END) {
                    break;
                }
                switch (type) {
                    case EXT_BACKING_FORMAT -> {
                        if (len >= FORMAT_NAME_BUFFER) {
                            throw bad(f, "ERROR: ext_backing_format: len=" + len + " too large (>="
                                    + FORMAT_NAME_BUFFER + ")");
                        }
                        String name = QemuStrings.cString(f.bytes(off, (int) len, "backing format extension"),
                                FORMAT_NAME_BUFFER);
                        backingFormat = name.isEmpty() ? null : name;
                    }
                    case EXT_DATA_FILE -> dataFile = QemuStrings.cString(f.bytes(off, (int) len, "data file extension"),
                            Integer.MAX_VALUE);
                    case EXT_FEATURE_TABLE -> {
                        featureTableOffset = off;
                        featureTableLength = (int) len;
                    }
                    case EXT_CRYPTO_HEADER -> {
                        if (strict) {
                            checkCryptoHeader(f, p, off, len);
                        }
                    }
                    case EXT_BITMAPS -> {
                        if (strict) {
                            checkBitmaps(f, p, off, len);
                        }
                    }
                    default -> {
                        // unknown extensions may be ignored (qcow2.txt)
                    }
                }
                off += (len + 7) & ~7L;
            }
            return new Extensions(backingFormat, dataFile, featureTableOffset, featureTableLength);
        }

        private static void checkCryptoHeader(ImageFile f, Parser p, long off, long len) {
            if (p.cryptMethod != CRYPT_LUKS) {
                throw bad(f, "CRYPTO header extension only expected with LUKS encryption method");
            }
            if (len != CRYPTO_HEADER_EXT) {
                throw bad(f, "CRYPTO header extension size " + len + ", but expected size " + CRYPTO_HEADER_EXT);
            }
            long offset = f.bytes(off, CRYPTO_HEADER_EXT, "crypto header extension").getLong(0);
            long clusterSize = 1L << p.clusterBits;
            if (Long.remainderUnsigned(offset, clusterSize) != 0) {
                throw bad(f, "Encryption header offset '" + Long.toUnsignedString(offset)
                        + "' is not a multiple of cluster size '" + clusterSize + "'");
            }
        }

        private static void checkBitmaps(ImageFile f, Parser p, long off, long len) {
            if (len != BITMAPS_EXT) {
                throw bad(f, "bitmaps_ext: Invalid extension length");
            }
            if ((p.autoclear & AUTOCLEAR_BITMAPS) == 0) {
                return; // qemu warns that the bitmaps are inconsistent and ignores them
            }
            ByteBuffer b = f.bytes(off, BITMAPS_EXT, "bitmaps extension");
            long count = u32(b, 0);
            long directorySize = b.getLong(8);
            long directoryOffset = b.getLong(16);
            if (b.getInt(4) != 0) {
                throw bad(f, "bitmaps_ext: Reserved field is not zero");
            }
            if (count > MAX_BITMAPS) {
                throw bad(f, "bitmaps_ext: Image has " + count + " bitmaps, exceeding the QEMU supported maximum of "
                        + MAX_BITMAPS);
            }
            if (count == 0) {
                throw bad(f, "found bitmaps extension with zero bitmaps");
            }
            if ((directoryOffset & ((1L << p.clusterBits) - 1)) != 0) {
                throw bad(f, "bitmaps_ext: invalid bitmap directory offset");
            }
            if (Long.compareUnsigned(directorySize, MAX_BITMAP_DIRECTORY) > 0) {
                throw bad(f, "bitmaps_ext: bitmap directory size (" + Long.toUnsignedString(directorySize)
                        + ") exceeds the maximum supported size (" + MAX_BITMAP_DIRECTORY + ")");
            }
        }
    }

    static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }

    static int u16(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at));
    }

    static ImageException bad(ImageFile f, String what) {
        return new ImageException(f.path(), what);
    }
}
