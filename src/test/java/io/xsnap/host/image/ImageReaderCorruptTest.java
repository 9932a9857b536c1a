package io.xsnap.host.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real qemu-img header (v3, backing file, two snapshots), mutated one fact at a time: each broken input
 * gives an {@link ImageException} with its own message, and nothing else.
 */
class ImageReaderCorruptTest {
    private static final QemuImg QEMU = new QemuImg();

    @TempDir
    static Path dir;

    /** The pristine image and where its parts lie. */
    private static byte[] image;
    private static long backingOffset;
    private static int backingSize;
    private static long snapshotsOffset;

    private final ImageReader reader = new ImageReader();

    @BeforeAll
    static void makeImage() throws IOException {
        QEMU.create(dir.resolve("base.qcow2"), "16M");
        Path top = QEMU.overlay(dir.resolve("top.qcow2"), "base.qcow2", "qcow2");
        QEMU.snapshot(top, "snap-a");
        QEMU.snapshot(top, "snap-b");
        image = Files.readAllBytes(top);
        ByteBuffer b = ByteBuffer.wrap(image);
        backingOffset = b.getLong(8);
        backingSize = b.getInt(16);
        snapshotsOffset = b.getLong(64);
        assertEquals(112, b.getInt(100), "qemu 7.2 writes header_length 112");
        assertEquals(0xE2792ACA, b.getInt(112), "the first extension is the backing format");
        assertEquals(2, b.getInt(60));
        assertEquals(0x6803F857, b.getInt(128), "then the feature name table");
        assertEquals(0, b.get(136), "whose first entry is an incompatible feature");
    }

    /** One broken input: how to break the pristine image, and the message that must name the problem. */
    private record Case(String name, Function<byte[], byte[]> mutation, Supplier<String> message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case set(String name, Mutator m, String message) {
        return new Case(name, bytes -> {
            byte[] copy = bytes.clone();
            m.mutate(ByteBuffer.wrap(copy));
            return copy;
        }, () -> message);
    }

    private static Case set(String name, Mutator m, Supplier<String> message) {
        return new Case(name, bytes -> {
            byte[] copy = bytes.clone();
            m.mutate(ByteBuffer.wrap(copy));
            return copy;
        }, message);
    }

    private static Case truncate(long length, Supplier<String> message) {
        return new Case("truncated at " + length, bytes -> Arrays.copyOf(bytes, (int) length), message);
    }

    @FunctionalInterface
    private interface Mutator {
        void mutate(ByteBuffer b);
    }

    static Stream<Arguments> corruptions() {
        List<Case> cases = List.of(
            set("bad magic", b -> b.putInt(0, 0x12345678),
                "Image is not in qcow2 format (magic 0x12345678, expected 0x514649fb)"),
            set("qcow version 1", b -> b.putInt(4, 1),
                "Unsupported qcow2 version 1"),
            set("version 4", b -> b.putInt(4, 4), "Unsupported qcow2 version 4"),
            set("cluster_bits 40", b -> b.putInt(20, 40), "Unsupported cluster size: 2^40"),
            set("cluster_bits 8", b -> b.putInt(20, 8), "Unsupported cluster size: 2^8"),
            set("header_length 13", b -> b.putInt(100, 13),
                "qcow2 header too short (header_length 13)"),
            set("header_length 108", b -> b.putInt(100, 108),
                () -> "Header extension too large (type 0x00000000, 3799591626 bytes at offset 108; the extension area"
                        + " ends at " + backingOffset + ")"),
            set("header_length 96", b -> b.putInt(100, 96),
                "qcow2 header too short (header_length 96)"),
            set("header_length beyond the cluster", b -> b.putInt(100, 1 << 17),
                "qcow2 header exceeds cluster size (header_length 131072, cluster size 65536)"),
            set("refcount_order 7", b -> b.putInt(96, 7),
                "Reference count entry width too large; may not exceed 64 bits (refcount_order 7)"),
            set("crypt_method 7", b -> b.putInt(32, 7), "Unsupported encryption method 7"),
            set("virtual size 2^63", b -> b.putLong(24, Long.MIN_VALUE),
                "Image is too big (virtual size 9223372036854775808)"),
            set("backing_file_size 5000", b -> b.putInt(16, 5000),
                () -> "Backing file name too long (5000 bytes at offset " + backingOffset + ")"),
            set("backing_file_offset 2^64-1", b -> b.putLong(8, -1),
                "Invalid backing file offset (18446744073709551615, the cluster size is 65536)"),
            set("backing name past the first cluster", b -> b.putLong(8, 65530).putInt(16, 10),
                "Backing file name too long (10 bytes at offset 65530)"),
            set("unknown incompatible bit 5", b -> b.putLong(72, 1L << 5),
                "Unsupported qcow2 feature(s): Unknown incompatible feature: 20"),
            set("unknown incompatible bit named in the feature table",
                b -> b.putLong(72, 1L << 5).put(137, (byte) 5).put(138, (byte) 'x').put(139, (byte) 0),
                "Unsupported qcow2 feature(s): x"),
            set("unknown incompatible bits 5 and 63", b -> b.putLong(72, 1L << 5 | 1L << 63),
                "Unsupported qcow2 feature(s): Unknown incompatible feature: 8000000000000020"),
            set("compression_type 2", b -> b.put(104, (byte) 2), "qcow2: unknown compression type: 2"),
            set("zstd without its feature bit", b -> b.put(104, (byte) 1),
                "qcow2: Compression type incompatible feature bit must be set"),
            set("compression bit with zlib", b -> b.putLong(72, 1L << 3),
                "qcow2: Compression type incompatible feature bit must not be set"),
            set("extension longer than its area", b -> b.putInt(116, 0x7FFFFFF0),
                () -> "Header extension too large (type 0xe2792aca, 2147483632 bytes at offset 112; the extension area"
                        + " ends at " + backingOffset + ")"),
            set("backing format name 16 bytes", b -> b.putInt(116, 16),
                "ERROR: ext_backing_format: len=16 too large (>=16)"),
            set("nb_snapshots 2^32-1", b -> b.putInt(60, -1),
                "Snapshot table too large (4294967295 entries, at most 65536)"),
            set("nb_snapshots 65536", b -> b.putInt(60, 65536),
                () -> "truncated: snapshot table of 65536 entries needs bytes " + snapshotsOffset + ".."
                        + (snapshotsOffset + 65536 * 40) + " but the file has " + image.length),
            set("snapshots_offset beyond EOF", b -> b.putLong(64, 1L << 40),
                () -> "truncated: snapshot table of 2 entries needs bytes 1099511627776..1099511627856 but the file"
                        + " has " + image.length),
            set("snapshots_offset not cluster-aligned", b -> b.putLong(64, snapshotsOffset + 8),
                () -> "Snapshot table offset invalid (" + (snapshotsOffset + 8) + ", cluster size 65536)"),
            set("snapshots_offset negative", b -> b.putLong(64, -65536L),
                "Snapshot table offset invalid (18446744073709486080, cluster size 65536)"),
            set("extra_data_size 5000", b -> b.putInt((int) snapshotsOffset + 36, 5000),
                "Too much extra metadata in snapshot table entry 0 (extra_data_size 5000, at most 1024)"),
            truncate(0, () -> "truncated: qcow2 header needs bytes 0..72 but the file has 0"),
            truncate(3, () -> "truncated: qcow2 header needs bytes 0..72 but the file has 3"),
            truncate(71, () -> "truncated: qcow2 header needs bytes 0..72 but the file has 71"),
            truncate(72, () -> "truncated: qcow2 version 3 header needs bytes 0..104 but the file has 72"),
            truncate(104, () -> "truncated: qcow2 header (compression type) needs bytes 104..105 but the file has 104"),
            truncate(111, () -> "truncated: reference count table needs bytes 65536..131072 but the file has 111"),
            truncate(backingOffset + 3, () -> "truncated: reference count table needs bytes 65536..131072 but the file"
                    + " has " + (backingOffset + 3)),
            truncate(snapshotsOffset, () -> "truncated: snapshot table of 2 entries needs bytes " + snapshotsOffset
                    + ".." + (snapshotsOffset + 80) + " but the file has " + snapshotsOffset),
            truncate(snapshotsOffset + 10, () -> "truncated: snapshot table of 2 entries needs bytes " + snapshotsOffset
                    + ".." + (snapshotsOffset + 80) + " but the file has " + (snapshotsOffset + 10)),
            truncate(snapshotsOffset + 100, () -> "truncated: snapshot table entry 2 needs bytes "
                    + (snapshotsOffset + 72) + ".." + (snapshotsOffset + 112) + " but the file has "
                    + (snapshotsOffset + 100)));
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void corruptInputIsRefusedWithItsOwnMessage(Case c) throws IOException {
        Path file = write(c.name(), c.mutation().apply(image));
        ImageException e = assertThrows(ImageException.class, () -> reader.read(file, "qcow2"));
        assertEquals(file + ": " + c.message().get(), e.getMessage());
    }

    @Test
    void thePristineImageReads() throws IOException {
        Path file = write("pristine", image);
        ImageInfo info = reader.read(file, "qcow2");
        assertEquals("base.qcow2", info.backingFile());
        assertEquals("qcow2", info.backingFormat());
        assertEquals(List.of("snap-a", "snap-b"), info.snapshots().stream().map(InternalSnapshot::name).toList());
    }

    @Test
    void dirtyAndCorruptBitsAreReportedLikeQemu() throws IOException {
        Path dirty = write("dirty", set("dirty", b -> b.putLong(72, 1), "").mutation().apply(image));
        Files.copy(dir.resolve("base.qcow2"), dir.resolve("dirty").resolve("base.qcow2"));
        ImageInfo info = reader.read(dirty, "qcow2");
        assertTrue(info.dirty());
        QemuImg.assertSameAsQemu(QEMU.info(dirty), info);

        Path corrupt = write("corrupt", set("corrupt", b -> b.putLong(72, 2), "").mutation().apply(image));
        Files.copy(dir.resolve("base.qcow2"), dir.resolve("corrupt").resolve("base.qcow2"));
        info = reader.read(corrupt, "qcow2");
        assertTrue(info.corrupt());
        assertFalse(info.dirty());
        QemuImg.assertSameAsQemu(QEMU.info(corrupt), info);
    }

    @Test
    void unknownExtensionsAndCompatibleBitsAreIgnored() throws IOException {
        Path file = write("unknown-ext", set("unknown", b -> b.putInt(112, 0x12345678)
                .putLong(80, -1L).putLong(88, -1L), "").mutation().apply(image));
        ImageInfo info = reader.read(file, "qcow2");
        assertNull(info.backingFormat(), "the backing format extension was renamed to an unknown type");
        assertEquals("base.qcow2", info.backingFile());
        assertEquals(2, info.snapshots().size());
    }

    /** Odd values qemu-img opens (ImageReaderCorpusTest holds the same against qemu-img itself). */
    @Test
    void oddValuesQemuAcceptsAreRead() throws IOException {
        ImageInfo nul = reader.read(write("nul-in-backing",
                set("nul", b -> b.put((int) backingOffset + 2, (byte) 0), "").mutation().apply(image)), "qcow2");
        assertEquals("ba", nul.backingFile(), "qemu keeps the backing name as a C string: up to the NUL");
        ImageInfo noDataFile = reader.read(write("data-file-bit", set("bit", b -> b.putLong(72, 1L << 2), "")
                .mutation().apply(image)), "qcow2");
        assertNull(noDataFile.dataFile(), "qemu-img info opens a data-file image without naming the file");
        ImageInfo state = reader.read(write("vm-state", set("state", b -> b.putLong((int) snapshotsOffset + 40, -1), "")
                .mutation().apply(image)), "qcow2");
        assertEquals(-1, state.snapshots().get(0).vmStateSize(), "qemu-img prints the u64 as a signed number");
        ImageInfo inHeader = reader.read(write("backing-in-header",
                set("offset", b -> b.putLong(8, 1).putInt(16, 3), "").mutation().apply(image)), "qcow2");
        assertEquals("FI\uFFFD", inHeader.backingFile(),
                "the name is read where the offset says, even inside the header; the magic's 0xFB is no UTF-8");
    }

    @Test
    void emptyOrTinyFilesProbeAsRaw() throws IOException {
        Path empty = write("empty", new byte[0]);
        assertEquals("raw", reader.read(empty, null).format());
        assertEquals(0, reader.read(empty, null).virtualSize());
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        Path sub = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_")));
        return Files.write(sub.resolve("top.qcow2"), bytes);
    }
}
