package io.xsnap.testing;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ExecRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A guest that rewrites all its memory as fast as it can: the boot sector {@code busy_guest.S} (checked in
 * beside this class's resources), assembled at test time with GNU {@code as} and {@code ld} (binutils) and
 * written to the first sector of a qcow2 disk. Each pass of the guest increments a counter at physical
 * address {@value #COUNTER} and writes it into every 32-bit word from {@value #REGION} to the end of low
 * memory.
 */
public final class BusyGuest {
    /** Physical address of the pass counter. */
    public static final long COUNTER = 0x500;
    /** Where the rewritten region begins (1 MiB). */
    public static final long REGION = 0x100000;

    private BusyGuest() {
    }

    /** Whether {@code as} and {@code ld} are installed (binutils). */
    public static boolean toolsPresent() {
        return onPath("as") && onPath("ld");
    }

    /** The 512-byte boot sector, assembled into {@code dir}. */
    public static Path bootSector(Path dir) {
        try {
            Files.createDirectories(dir);
            Path source = dir.resolve("busy_guest.S");
            try (InputStream in = BusyGuest.class.getResourceAsStream("/io/xsnap/testing/busy_guest.S")) {
                if (in == null) {
                    throw new IllegalStateException("busy_guest.S is not on the test class path");
                }
                Files.copy(in, source, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path object = dir.resolve("busy_guest.o");
            Path image = dir.resolve("busy_guest.img");
            ExecRunner runner = new ExecRunner();
            runner.run(Command.of(List.of("as", "--32", "-o", object.toString(), source.toString()))
                    .withTimeout(Duration.ofSeconds(30)));
            runner.run(Command.of(List.of("ld", "-m", "elf_i386", "-Ttext", "0x7c00", "--oformat", "binary", "-o",
                    image.toString(), object.toString())).withTimeout(Duration.ofSeconds(30)));
            if (Files.size(image) != 512) {
                throw new IllegalStateException(image + " is " + Files.size(image) + " bytes, not one sector");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A qcow2 disk of {@code size} bytes whose first sector boots the busy guest. */
    public static Path disk(GuestLab lab, String fileName, long size) {
        Path boot = bootSector(lab.root().resolve("busy"));
        Path disk = lab.root().resolve(fileName);
        ExecRunner runner = new ExecRunner();
        runner.run(Command.of(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", boot.toString(),
                disk.toString())).withTimeout(Duration.ofSeconds(30)));
        runner.run(Command.of(List.of("qemu-img", "resize", "-q", disk.toString(), Long.toString(size)))
                .withTimeout(Duration.ofSeconds(30)));
        return disk;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
