package io.xsnap.host.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.fuzz.BoundedRun;
import io.xsnap.fuzz.Cases;
import io.xsnap.fuzz.FuzzTarget;
import io.xsnap.host.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The xl save header reader under the same fuzzing rules as the qcow2 reader ({@link BoundedRun}): generated
 * valid headers parse to what was written, mutated ones and random bytes behind the magic parse or fail with
 * the reader's own error naming the file, within bounded allocation and time.
 */
class XlSaveFuzzTest {
    private static final Cases CASES = new Cases();
    private static Path dir;
    private static final FuzzTarget XL_SAVE = new FuzzTarget() {
        @Override
        public String name() {
            return "xl save header reader";
        }

        @Override
        public Object read(Path file) {
            return XlSaveFile.read(file);
        }

        @Override
        public boolean isClearError(Throwable e) {
            return e instanceof ImageException;
        }
    };

    @BeforeAll
    static void dir() throws IOException {
        dir = Files.createTempDirectory("xsnap-xlfuzz");
    }

    @AfterAll
    static void report() throws IOException {
        for (String f : new String[] {"valid.save", "mutated.save", "random.save"}) {
            Files.deleteIfExists(dir.resolve(f));
        }
        Files.deleteIfExists(dir);
        System.out.println("xl save fuzzing: " + CASES.assertRan("valid", "mutated", "random"));
    }

    /** A save file as xl writes it: magic, four u32 in the host's order, config length, config JSON + NUL, stream. */
    static byte[] saveFile(Random r, String name) {
        ByteOrder order = r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        StringBuilder disks = new StringBuilder();
        for (int i = 0, n = r.nextInt(4); i < n; i++) {
            disks.append(i == 0 ? "" : ",").append("{\"pdev_path\":\"/img/d").append(i).append(".qcow2\",\"vdev\":\"xvd")
                    .append((char) ('a' + i)).append("\",\"format\":\"qcow2\",\"readwrite\":1}");
        }
        byte[] config = ("{\"c_info\":{\"type\":\"hvm\",\"name\":\"" + name + "\",\"uuid\":\"" + Long.toHexString(r.nextLong())
                + "\"},\"disks\":[" + disks + "]}\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(XlSaveFile.MAGIC.length + 20 + config.length + 64).order(order);
        b.put(XlSaveFile.MAGIC).putInt(XlSaveFile.BYTEORDER).putInt(XlSaveFile.FLAG_JSON | (r.nextBoolean() ? XlSaveFile.FLAG_STREAM_V2 : 0))
                .putInt(r.nextInt(4)).putInt(config.length + 4).putInt(config.length).put(config);
        byte[] stream = new byte[64];
        r.nextBytes(stream);
        b.put(stream);
        return b.array();
    }

    @Test
    void generatedSaveFilesParseToWhatWasWritten() {
        CASES.forAll("valid", r -> {
            String name = "dom" + r.nextInt(1000);
            BoundedRun.Outcome out = BoundedRun.check(XL_SAVE, dir.resolve("valid.save"), saveFile(r, name));
            assertTrue(out.ok(), () -> String.valueOf(out.error()));
            XlSaveFile s = (XlSaveFile) out.parsed();
            assertEquals(name, s.config().path("c_info").path("name").asString());
        });
    }

    @Test
    void mutatedSaveFilesParseOrFailClearly() {
        CASES.forAll("mutated", r -> {
            byte[] bytes = saveFile(r, "web01");
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                int at = r.nextInt(Math.min(bytes.length, 120));
                bytes[at] = r.nextInt(3) == 0 ? (byte) 0xff : (byte) r.nextInt(256);
            }
            if (r.nextInt(5) == 0) {
                bytes = Arrays.copyOf(bytes, r.nextInt(bytes.length + 1));
            }
            BoundedRun.check(XL_SAVE, dir.resolve("mutated.save"), bytes);
        });
    }

    @Test
    void randomBytesBehindTheMagicFailClearly() {
        CASES.forAll("random", r -> {
            byte[] tail = new byte[r.nextInt(r.nextBoolean() ? 64 : 4096)];
            r.nextBytes(tail);
            ByteBuffer b = ByteBuffer.allocate(XlSaveFile.MAGIC.length + tail.length);
            b.put(XlSaveFile.MAGIC).put(tail);
            BoundedRun.check(XL_SAVE, dir.resolve("random.save"), b.array());
        });
    }
}
