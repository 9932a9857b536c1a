package io.xsnap.testing;

import io.xsnap.testing.GuestLab.Disk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A lab guest whose RAM holds known data: its 64 MiB of RAM are a file ({@code -object
 * memory-backend-file,...,share=on}, as bench/pause.sh does), filled with random bytes before the start, so a
 * memory save writes a full 64 MiB stream. A region the firmware never touches ({@link #REGION} bytes at
 * {@link #AT}) is written and read through the file while the guest runs: the guest sees the writes at once,
 * and a revert that loads memory into a new QEMU (which maps the same file) shows in it.
 */
public final class RamGuest {
    public static final long RAM = 64L << 20;
    public static final long AT = 16L << 20;
    public static final int REGION = 1 << 20;
    public static final long MIB = 1 << 20;
    public static final long K64 = 64 * 1024;
    public static final List<String> DISKS = List.of("xvda", "xvdb");

    private final GuestLab lab;
    private final Path ram;
    private final String name;

    private RamGuest(GuestLab lab, String name, Path ram) {
        this.lab = lab;
        this.name = name;
        this.ram = ram;
    }

    /** Starts {@code name} with a qcow2 disk xvda and a raw disk xvdb (8 MiB each) and random RAM. */
    public static RamGuest start(GuestLab lab, String name, long seed) {
        Path ram = lab.root().resolve(name + "-ram.bin");
        try (FileChannel ch = FileChannel.open(ram, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Random random = new Random(seed);
            byte[] chunk = new byte[1 << 20];
            for (long done = 0; done < RAM; done += chunk.length) {
                random.nextBytes(chunk);
                ch.write(ByteBuffer.wrap(chunk));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lab.start(name, List.of(Disk.qcow2("xvda", lab.createDisk(name + "-a.qcow2", "qcow2", 8 * MIB)),
                Disk.raw("xvdb", lab.createDisk(name + "-b.raw", "raw", 8 * MIB))),
                List.of("-machine", "memory-backend=ram0", "-object",
                        "memory-backend-file,id=ram0,size=64M,mem-path=" + ram + ",share=on"));
        return new RamGuest(lab, name, ram);
    }

    public TestGuest guest() {
        return lab.guest(name);
    }

    /** The file that is the guest's RAM. */
    public Path ramFile() {
        return ram;
    }

    /** Writes data made from {@code pattern} into the RAM region and {@code pattern} over 64 KiB of each disk. */
    public void write(int pattern) {
        writeRam(pattern);
        for (String vdev : DISKS) {
            guest().write(vdev, pattern, 0, K64);
        }
    }

    /** Writes the region's data for {@code pattern} into the guest's RAM. */
    public void writeRam(int pattern) {
        try (FileChannel ch = FileChannel.open(ram, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(region(pattern)), AT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether RAM and both disks hold what {@link #write} wrote for {@code pattern}. */
    public boolean holds(int pattern) {
        return ramHolds(pattern) && DISKS.stream().allMatch(vdev -> guest().reads(vdev, pattern, 0, K64));
    }

    /** Whether the RAM region holds the data for {@code pattern}. */
    public boolean ramHolds(int pattern) {
        try (FileChannel ch = FileChannel.open(ram, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(REGION);
            while (buf.hasRemaining() && ch.read(buf, AT + buf.position()) > 0) {
                // whole region
            }
            return Arrays.equals(buf.array(), region(pattern));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Non-zero, different on every page, different for every pattern. */
    static byte[] region(int pattern) {
        byte[] b = new byte[REGION];
        new Random(0x5eed0000L + pattern).nextBytes(b);
        for (int i = 0; i < b.length; i += 4096) {
            b[i] = (byte) (pattern | 1);
        }
        return b;
    }
}
