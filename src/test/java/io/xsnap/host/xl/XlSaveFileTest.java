package io.xsnap.host.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.image.ImageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The xl save header read natively, on files built here byte by byte (xl.h / xl_saverestore.c). */
class XlSaveFileTest {
    static final String CONFIG = "{\"c_info\": {\"type\": \"hvm\", \"name\": \"web01\", \"uuid\": \"u-1\"}, \"disks\": ["
            + "{\"pdev_path\": \"/img/a.qcow2\", \"vdev\": \"xvda\", \"backend\": \"qdisk\", \"format\": \"qcow2\", \"readwrite\": 1}]}";

    @TempDir
    Path tmp;

    static byte[] saveFile(ByteOrder order, int byteorder, int mandatory, int optionalLength, byte[] config, int configLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(XlSaveFile.MAGIC);
        ByteBuffer fields = ByteBuffer.allocate(20).order(order);
        fields.putInt(byteorder).putInt(mandatory).putInt(0).putInt(optionalLength).putInt(configLength);
        out.writeBytes(fields.array());
        out.writeBytes(config);
        out.writeBytes("QEVM...stream".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static byte[] good(ByteOrder order) {
        byte[] config = (CONFIG + "\0").getBytes(StandardCharsets.UTF_8);
        return saveFile(order, XlSaveFile.BYTEORDER, 3, config.length + 4, config, config.length);
    }

    private Path write(byte[] bytes) throws IOException {
        Path f = tmp.resolve("memory-" + System.nanoTime() + ".save");
        Files.write(f, bytes);
        return f;
    }

    @Test
    void readsTheHeaderInEitherByteOrder() throws IOException {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            Path f = write(good(order));
            assertTrue(XlSaveFile.looksLikeSaveFile(f));
            XlSaveFile s = XlSaveFile.read(f);
            assertEquals(order == ByteOrder.BIG_ENDIAN, s.bigEndian());
            assertEquals(3, s.mandatoryFlags());
            assertEquals("web01", s.domainName());
            assertEquals("u-1", s.uuid());
            assertEquals("hvm", s.type());
            assertEquals(List.of("xvda"), s.disks().stream().map(XlDomain.Disk::vdev).toList());
            assertEquals(48 + CONFIG.length() + 1 + 4, s.streamOffset());
        }
    }

    @Test
    void corruptHeadersAreClearErrorsAndNeverBigAllocations() throws IOException {
        byte[] config = (CONFIG + "\0").getBytes(StandardCharsets.UTF_8);
        int n = config.length;
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        assertError(new byte[10], "truncated");
        byte[] wrongMagic = good(le);
        wrongMagic[0] = 'Y';
        assertError(wrongMagic, "wrong magic");
        assertError(saveFile(le, 0x11223344, 3, n + 4, config, n), "unknown byte order mark 0x11223344");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 0x7, n + 4, config, n), "unknown mandatory flags 0x7");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 2, n + 4, config, n), "without a JSON domain config");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 3, 0xfffffff0, config, n), "over the 4194304-byte limit");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 3, 4 << 20, config, n), "truncated: optional data");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 3, n + 4, config, n + 100), "does not fit the optional data");
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 3, n + 4, config, 0), "config length 0");
        byte[] notJson = "{\"c_info\": \0".getBytes(StandardCharsets.UTF_8);
        assertError(saveFile(le, XlSaveFile.BYTEORDER, 3, notJson.length + 4, notJson, notJson.length), "not JSON");
        assertFalse(XlSaveFile.looksLikeSaveFile(write(new byte[3])));
    }

    private void assertError(byte[] bytes, String expected) throws IOException {
        Path f = write(bytes);
        ImageException e = assertThrows(ImageException.class, () -> XlSaveFile.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(expected), e.getMessage());
    }
}
