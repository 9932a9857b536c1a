package io.xsnap.host.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ExecRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster tables of images made by the real qemu-img and written by qemu-io, read natively. */
class AllocationTest {
    private static final long MIB = 1 << 20;
    private final QemuImg qemu = new QemuImg();
    private final ImageReader reader = new ImageReader();

    @TempDir
    Path dir;

    private void io(Path image, String command) {
        new ExecRunner().run(Command.of(List.of("qemu-io", "-f", "qcow2", "-c", command, image.toString()))
                .withTimeout(Duration.ofSeconds(60)));
    }

    @Test
    void dataAndWhatShowsThroughTheLayerAbove() {
        Path base = qemu.create(dir.resolve("base.qcow2"), "64M");
        Path frozen = qemu.overlay(dir.resolve("frozen.qcow2"), "base.qcow2", "qcow2");
        io(frozen, "write -P 0x11 0 8M");
        io(frozen, "write -P 0x12 32M 2M");
        qemu.snapshot(frozen, "history");
        io(frozen, "write -P 0x13 0 8M");     // the old clusters stay for the internal snapshot, not copied
        Path above = qemu.overlay(dir.resolve("above.qcow2"), "frozen.qcow2", "qcow2");
        io(above, "write -P 0x21 4M 6M");     // covers 4..8 of the frozen file's 0..8, and 8..10 of nothing
        io(above, "write -z 32M 1M");         // a zero cluster: no data, but hides the frozen file below

        Allocation f = reader.allocation(frozen);
        Allocation a = reader.allocation(above);
        assertEquals(10 * MIB, f.dataBytes());
        assertEquals(6 * MIB, a.dataBytes(), "commit copies what the layer holds");
        assertEquals(5 * MIB, Allocation.visibleBytes(f, a), "stream copies 0..4 and 33..34 of the frozen file");
        assertEquals(0, reader.allocation(base).dataBytes());
    }

    @Test
    void differentClusterSizesAndARawBackingFile() {
        Path raw = qemu.raw(dir.resolve("disk.raw"), "16M");
        Path small = qemu.create(dir.resolve("small.qcow2"), "16M",
                "cluster_size=4096,backing_file=disk.raw,backing_fmt=raw");
        io(small, "write -P 0x31 0 1M");
        Allocation s = reader.allocation(small);
        assertEquals(MIB, s.dataBytes());
        assertEquals(15 * MIB, Allocation.visibleBytesOfRaw(16 * MIB, s));
        assertNull(reader.allocation(raw), "a raw file has no cluster tables");

        Path big = qemu.create(dir.resolve("big.qcow2"), "16M", "cluster_size=2M");
        io(big, "write -P 0x41 0 2M");
        io(big, "write -P 0x42 8M 4K");       // a whole 2 MiB cluster
        Allocation b = reader.allocation(big);
        assertEquals(4 * MIB, b.dataBytes());
        assertEquals(3 * MIB, Allocation.visibleBytes(b, s), "2M+2M of the big clusters, less the 1M covered");
    }
}
