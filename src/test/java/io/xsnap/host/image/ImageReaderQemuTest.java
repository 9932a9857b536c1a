package io.xsnap.host.image;

import static io.xsnap.host.image.QemuImg.assertSameAsQemu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ExecRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Images made by the real qemu-img, read natively, compared field by field with qemu-img info. */
class ImageReaderQemuTest {
    private final QemuImg qemu = new QemuImg();
    private final ImageReader reader = new ImageReader();

    @TempDir
    Path dir;

    @Test
    void plainVersion3Image() {
        Path img = qemu.create(dir.resolve("plain.qcow2"), "64M");
        ImageInfo info = reader.read(img, "qcow2");
        assertSameAsQemu(qemu.info(img), info);
        assertEquals(3, info.version());
        assertEquals(reader.read(img, null), info, "probing finds qcow2");
    }

    @Test
    void internalSnapshotsWithDuplicateNames() {
        Path img = qemu.create(dir.resolve("snaps.qcow2"), "16M");
        qemu.snapshot(img, "s1");
        qemu.snapshot(img, "s1");
        qemu.snapshot(img, "before upgrade ü");
        ImageInfo info = reader.read(img, "qcow2");
        assertSameAsQemu(qemu.info(img), info);
        assertEquals(List.of("s1", "s1", "before upgrade ü"), info.snapshots().stream().map(InternalSnapshot::name).toList());
        assertEquals(List.of("1", "2", "3"), info.snapshots().stream().map(InternalSnapshot::id).toList());
        assertEquals(16L << 20, info.snapshots().get(0).diskSize());
        assertTrue(info.hasSnapshot("s1"));
    }

    @Test
    void snapshotIdsAreReusedAfterDeletion() {
        Path img = qemu.create(dir.resolve("reuse.qcow2"), "1M");
        qemu.snapshot(img, "a");
        qemu.snapshot(img, "b");
        qemu.run("snapshot", "-d", "b", img.toString());
        qemu.snapshot(img, "c");
        ImageInfo info = reader.read(img, "qcow2");
        assertSameAsQemu(qemu.info(img), info);
        assertEquals(List.of("1", "2"), info.snapshots().stream().map(InternalSnapshot::id).toList());
    }

    @Test
    void chainOfFourWithRelativeNamesFromASubdirectory() throws Exception {
        Files.createDirectory(dir.resolve("sub"));
        Path base = qemu.create(dir.resolve("base.qcow2"), "32M");
        qemu.snapshot(base, "gold");
        qemu.overlay(dir.resolve("sub/mid.qcow2"), "../base.qcow2", "qcow2");
        qemu.overlay(dir.resolve("top.qcow2"), "sub/mid.qcow2", "qcow2");
        Path active = qemu.overlay(dir.resolve("active.qcow2"), dir.resolve("top.qcow2").toString(), "qcow2");
        qemu.snapshot(active, "s");

        ImageChain chain = reader.readChain(active, "qcow2");
        JsonNode q = qemu.infoChain(active);
        assertTrue(chain.complete(), () -> String.valueOf(chain.error()));
        assertEquals(4, q.size());
        assertEquals(q.size(), chain.images().size());
        for (int i = 0; i < q.size(); i++) {
            assertSameAsQemu(q.get(i), chain.images().get(i));
        }
        ImageInfo mid = chain.images().get(2);
        assertEquals("../base.qcow2", mid.backingFile());
        assertEquals(dir + "/sub/../base.qcow2", mid.backingPath().toString());
        assertNull(chain.images().get(3).backingFile());
    }

    @Test
    void missingBackingFileEndsTheChainWithAMarker() throws Exception {
        Path base = qemu.create(dir.resolve("gone.qcow2"), "1M");
        Path top = qemu.overlay(dir.resolve("top.qcow2"), "gone.qcow2", "qcow2");
        Files.delete(base);

        ImageChain chain = reader.readChain(top, "qcow2");
        assertEquals(1, chain.images().size());
        assertSameAsQemu(qemu.info(top), chain.top());
        assertEquals(dir.resolve("gone.qcow2"), chain.missing());
        assertEquals(dir.resolve("gone.qcow2") + ": does not exist (backing file of " + top + ")",
                chain.error().getMessage());
    }

    @Test
    void version2Images() {
        Path base = qemu.create(dir.resolve("v2base.qcow2"), "8M", "compat=0.10");
        qemu.snapshot(base, "old");
        Path top = dir.resolve("v2top.qcow2");
        qemu.run("create", "-q", "-f", "qcow2", "-o", "compat=0.10", "-b", "v2base.qcow2", "-F", "qcow2",
                top.toString());
        ImageChain chain = reader.readChain(top, "qcow2");
        JsonNode q = qemu.infoChain(top);
        assertSameAsQemu(q.get(0), chain.images().get(0));
        assertSameAsQemu(q.get(1), chain.images().get(1));
        assertEquals(2, chain.images().get(1).version());
        assertEquals(1, chain.images().get(1).snapshots().size());
    }

    @Test
    void externalDataFile() {
        Path img = qemu.create(dir.resolve("meta.qcow2"), "4M", "data_file=" + dir.resolve("data.raw"));
        ImageInfo info = reader.read(img, "qcow2");
        assertSameAsQemu(qemu.info(img), info);
        assertEquals(dir.resolve("data.raw").toString(), info.dataFile());
    }

    @Test
    void rawImages() {
        Path raw = qemu.raw(dir.resolve("disk.img"), "3M");
        ImageInfo info = reader.read(raw, "raw");
        assertSameAsQemu(qemu.info(raw), info);
        assertEquals(reader.read(raw, null), info, "probing finds raw");
        ImageException e = assertThrows(ImageException.class, () -> reader.read(raw, "qcow2"));
        assertEquals(raw + ": Image is not in qcow2 format (magic 0x00000000, expected 0x514649fb)", e.getMessage());
    }

    @Test
    void rawBackingFile() {
        qemu.raw(dir.resolve("base.raw"), "2M");
        Path top = qemu.overlay(dir.resolve("top.qcow2"), "base.raw", "raw");
        ImageChain chain = reader.readChain(top, "qcow2");
        JsonNode q = qemu.infoChain(top);
        assertEquals(2, chain.images().size());
        assertSameAsQemu(q.get(0), chain.images().get(0));
        assertSameAsQemu(q.get(1), chain.images().get(1));
    }

    @Test
    void bigSnapshotTable() {
        Path img = qemu.create(dir.resolve("many.qcow2"), "1M");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            names.add("snapshot-" + i + "-" + "x".repeat(i % 37));
            qemu.snapshot(img, names.get(i));
        }
        ImageInfo info = reader.read(img, "qcow2");
        assertSameAsQemu(qemu.info(img), info);
        assertEquals(names, info.snapshots().stream().map(InternalSnapshot::name).toList());
    }

    @Test
    void backingLoopIsReported() {
        qemu.run("create", "-q", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", dir.resolve("a.qcow2").toString(),
                "1M");
        qemu.run("create", "-q", "-u", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", dir.resolve("b.qcow2").toString(),
                "1M");
        Path a = dir.resolve("a.qcow2");
        ImageChain chain = reader.readChain(a, "qcow2");
        assertEquals(2, chain.images().size());
        assertEquals(a + ": backing loop: already in the chain of " + a, chain.error().getMessage());
        assertNull(chain.missing());
    }

    @Test
    void chainDepthIsBounded() {
        qemu.create(dir.resolve("l0.qcow2"), "1M");
        for (int i = 1; i <= 3; i++) {
            qemu.overlay(dir.resolve("l" + i + ".qcow2"), "l" + (i - 1) + ".qcow2", "qcow2");
        }
        Path top = dir.resolve("l3.qcow2");
        ImageChain chain = new ImageReader(3).readChain(top, null);
        assertEquals(3, chain.images().size());
        assertEquals(top + ": backing chain is deeper than 3 images", chain.error().getMessage());
        assertTrue(new ImageReader(4).readChain(top, null).complete());
    }

    @Test
    void otherImageFormatsAreNotTakenForRaw() {
        Path vmdk = dir.resolve("disk.vmdk");
        qemu.run("create", "-q", "-f", "vmdk", vmdk.toString(), "1M");
        ImageException e = assertThrows(ImageException.class, () -> reader.read(vmdk, null));
        assertEquals(vmdk + ": looks like a vmdk image; xsnap reads only qcow2 and raw (give the format raw to read"
                + " it as raw)", e.getMessage());
        assertEquals("raw", reader.read(vmdk, "raw").format());
    }

    @Test
    void missingFilesAndDirectories() {
        Path none = dir.resolve("none.qcow2");
        assertEquals(none + ": does not exist",
                assertThrows(ImageException.class, () -> reader.read(none, "qcow2")).getMessage());
        assertEquals(dir + ": is a directory, not an image",
                assertThrows(ImageException.class, () -> reader.readChain(dir, null)).getMessage());
        assertEquals(none + ": format vmdk is not supported (xsnap reads qcow2 and raw)",
                assertThrows(ImageException.class, () -> reader.read(none, "vmdk")).getMessage());
    }

    @Test
    void specialFilesAreRefusedWithoutOpeningThem() {
        Path fifo = dir.resolve("fifo");
        new ExecRunner().run(Command.of("mkfifo", fifo.toString()));
        ImageException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ImageException.class, () -> reader.read(fifo, null)));
        assertEquals(fifo + ": is neither a regular file nor a block device", e.getMessage());
    }

    @Test
    void backingNamesResolveLikeQemu() {
        assertEquals(Path.of("base.qcow2"), ImageReader.resolveBacking(Path.of("top.qcow2"), "base.qcow2"));
        assertEquals(Path.of("sub/../base.qcow2"), ImageReader.resolveBacking(Path.of("sub/rel.qcow2"), "../base.qcow2"));
        assertEquals(Path.of("../sub/mid.qcow2"), ImageReader.resolveBacking(Path.of("../top.qcow2"), "sub/mid.qcow2"));
        assertEquals(Path.of("/srv/gold.qcow2"), ImageReader.resolveBacking(Path.of("/vm/a.qcow2"), "/srv/gold.qcow2"));
        assertNull(ImageReader.resolveBacking(Path.of("/vm/a.qcow2"), "nbd://host/export"));
        assertNull(ImageReader.resolveBacking(Path.of("/vm/a.qcow2"), "json:{\"driver\":\"qcow2\"}"));
        assertNull(ImageReader.resolveBacking(Path.of("/vm/a.qcow2"), null));
    }
}
