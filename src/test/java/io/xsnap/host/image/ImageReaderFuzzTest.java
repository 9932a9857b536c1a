package io.xsnap.host.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to a small real image (512-byte clusters, so the header, the backing name and the snapshot
 * table lie close together): every outcome is a successful read or an {@link ImageException}, never another
 * exception and never the reader's last-resort "cannot parse" wrapping of one.
 */
class ImageReaderFuzzTest {
    private static final int ROUNDS = 4000;

    @TempDir
    Path dir;

    @Test
    void randomDamageGivesOnlyImageExceptions() throws IOException {
        QemuImg qemu = new QemuImg();
        qemu.create(dir.resolve("base.qcow2"), "1M", "cluster_size=512");
        Path top = dir.resolve("top.qcow2");
        qemu.run("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "-b", "base.qcow2", "-F", "qcow2",
                top.toString());
        for (String name : new String[] {"a", "bb", "ccc"}) {
            qemu.snapshot(top, name);
        }
        byte[] pristine = Files.readAllBytes(top);
        long snapshots = ByteBuffer.wrap(pristine).getLong(64);
        assertTrue(snapshots > 0 && snapshots < pristine.length);

        ImageReader reader = new ImageReader();
        Random random = new Random(20240611L);
        Path file = dir.resolve("fuzz.qcow2");
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] bytes = pristine.clone();
            int flips = 1 + random.nextInt(6);
            for (int i = 0; i < flips; i++) {
                int at = random.nextBoolean()
                        ? random.nextInt(Math.min(1024, bytes.length))
                        : (int) snapshots + random.nextInt((int) Math.min(256, bytes.length - snapshots));
                bytes[at] = random.nextInt(4) == 0 ? (byte) 0xff : (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            }
            Files.write(file, bytes);
            String head = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 128));
            for (String format : new String[] {"qcow2", null}) {
                try {
                    reader.read(file, format);
                } catch (ImageException e) {
                    refused++;
                    assertFalse(e.getMessage().contains("cannot parse"),
                            () -> "round with header " + head + ": " + e.getMessage());
                } catch (RuntimeException e) {
                    fail("round " + round + ": " + e, e);
                }
            }
        }
        assertTrue(refused > ROUNDS / 4, "the damage was real: " + refused + " refusals");
    }
}
