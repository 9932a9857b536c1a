package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.image.QemuImg;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code xsnap images} run in-process, its output compared with what qemu-img says about the same files. */
class ImagesCommandTest {
    private final QemuImg qemu = new QemuImg();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = XsnapCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theTextViewEscapesControlCharactersAnImageHolds() throws Exception {
        Path image = qemu.create(dir.resolve("odd.qcow2"), "1M");
        // a tag qemu-img takes as it is: an ANSI colour sequence and a right-to-left override
        qemu.snapshot(image, "red\u001b[31mtag\u202e");
        assertEquals("red\u001b[31mtag\u202e", qemu.info(image).path("snapshots").get(0).path("name").asString(),
                "qemu-img keeps the name as it is");

        Run r = run("images", image.toString());

        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u202e"), r.out());
        assertTrue(r.out().contains("red\\u001b[31mtag\\u202e"), r.out());
    }

    @Test
    void jsonAgreesWithQemuImgAndReportsEveryBrokenPath() throws Exception {
        Files.createDirectory(dir.resolve("sub"));
        Path base = qemu.create(dir.resolve("base.qcow2"), "32M");
        qemu.snapshot(base, "gold");
        qemu.snapshot(base, "gold");
        qemu.overlay(dir.resolve("sub/mid.qcow2"), "../base.qcow2", "qcow2");
        Path top = qemu.overlay(dir.resolve("top.qcow2"), "sub/mid.qcow2", "qcow2");
        Path raw = qemu.raw(dir.resolve("disk.raw"), "2M");
        Path missing = dir.resolve("missing.qcow2");
        Path gone = qemu.create(dir.resolve("gone.qcow2"), "1M");
        Path orphan = qemu.overlay(dir.resolve("orphan.qcow2"), "gone.qcow2", "qcow2");
        Files.delete(gone);

        Run r = run("images", "--json", top.toString(), raw.toString(), missing.toString(), orphan.toString());

        assertEquals(ExitCodes.ERROR, r.code());
        JsonNode doc = json.readTree(r.out());
        assertEquals(1, doc.path("format_version").asInt());
        JsonNode images = doc.path("images");
        assertEquals(4, images.size());

        assertEquals(top.toString(), images.get(0).path("path").asString());
        assertFalse(images.get(0).has("error"));
        assertSameChain(qemu.infoChain(top), images.get(0).path("chain"));
        assertEquals(dir + "/sub/../base.qcow2", images.get(0).path("chain").get(2).path("filename").asString());

        assertSameChain(qemu.infoChain(raw), images.get(1).path("chain"));

        assertEquals(0, images.get(2).path("chain").size());
        assertEquals(missing + ": does not exist", images.get(2).path("error").asString());

        assertEquals(1, images.get(3).path("chain").size());
        assertSameImage(qemu.info(orphan), images.get(3).path("chain").get(0));
        String orphanError = gone + ": does not exist (backing file of " + orphan + ")";
        assertEquals(orphanError, images.get(3).path("error").asString());

        assertEquals("xsnap: " + missing + ": does not exist" + System.lineSeparator()
                + "xsnap: " + orphanError + System.lineSeparator(), r.err());
    }

    @Test
    void bigTablesVersion2AndDataFilesAgreeWithQemuImg() {
        Path many = qemu.create(dir.resolve("many.qcow2"), "1M");
        for (int i = 0; i < 30; i++) {
            qemu.snapshot(many, "s" + i);
        }
        Path v2 = qemu.create(dir.resolve("v2.qcow2"), "1M", "compat=0.10");
        Path data = qemu.create(dir.resolve("meta.qcow2"), "1M", "data_file=" + dir.resolve("meta.raw"));

        Run r = run("images", "--json", many.toString(), v2.toString(), data.toString());

        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals("", r.err());
        JsonNode images = json.readTree(r.out()).path("images");
        assertSameChain(qemu.infoChain(many), images.get(0).path("chain"));
        assertSameChain(qemu.infoChain(v2), images.get(1).path("chain"));
        assertSameChain(qemu.infoChain(data), images.get(2).path("chain"));
    }

    @Test
    void humanOutputIsATreeWithSnapshotTables() throws Exception {
        Path base = qemu.create(dir.resolve("base.qcow2"), "64M", "compat=0.10");
        qemu.snapshot(base, "first");
        Path top = qemu.overlay(dir.resolve("top.qcow2"), "base.qcow2", "qcow2");
        Path gone = qemu.create(dir.resolve("gone.qcow2"), "1M");
        Path orphan = qemu.overlay(dir.resolve("orphan.qcow2"), "gone.qcow2", "qcow2");
        Files.delete(gone);

        Run r = run("images", top.toString(), orphan.toString());

        String masked = r.out().replaceAll("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d", "YYYY-MM-DD hh:mm:ss");
        String n = System.lineSeparator();
        assertEquals(top + "  qcow2  64 MiB" + n
                + "`- " + base + "  qcow2  64 MiB  (compat 0.10)" + n
                + "     ID  TAG    VM SIZE  DATE (UTC)           VM CLOCK        ICOUNT" + n
                + "     1   first  0 B      YYYY-MM-DD hh:mm:ss  0000:00:00.000  0" + n
                + orphan + "  qcow2  1 MiB" + n
                + "`- error: " + gone + ": does not exist (backing file of " + orphan + ")" + n, masked);
        assertEquals(ExitCodes.ERROR, r.code());
        assertEquals("xsnap: " + gone + ": does not exist (backing file of " + orphan + ")" + n, r.err());
    }

    @Test
    void formatOptionReadsAQcow2FileAsRaw() throws Exception {
        Path img = qemu.create(dir.resolve("img.qcow2"), "8M");
        Run r = run("images", "--json", "--format", "raw", img.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode chain = json.readTree(r.out()).path("images").get(0).path("chain");
        assertEquals(1, chain.size());
        assertEquals("raw", chain.get(0).path("format").asString());
        assertEquals((Files.size(img) + 511) / 512 * 512, chain.get(0).path("virtual-size").asLong(),
                "qemu counts a raw file in whole 512-byte sectors");
    }

    @Test
    void usageErrors() {
        assertEquals(ExitCodes.USAGE, run("images").code());
        Run bad = run("images", "-f", "vmdk", "x");
        assertEquals(ExitCodes.USAGE, bad.code());
        assertTrue(bad.err().contains("Invalid value for option '--format'"), bad.err());
        assertTrue(run("--help").out().contains("images"));
    }

    private static void assertSameChain(JsonNode qemuChain, JsonNode ours) {
        assertEquals(qemuChain.size(), ours.size(), "chain length");
        for (int i = 0; i < qemuChain.size(); i++) {
            assertSameImage(qemuChain.get(i), ours.get(i));
        }
    }

    private static void assertSameImage(JsonNode q, JsonNode ours) {
        String where = q.path("filename").asString() + ": ";
        for (String key : QemuImg.IMAGE_KEYS) {
            assertEquals(q.get(key), ours.get(key), where + key);
        }
        JsonNode qData = q.path("format-specific").path("data");
        JsonNode data = ours.path("format-specific").path("data");
        for (String key : List.of("compat", "corrupt", "data-file")) {
            assertEquals(qData.get(key), data.get(key), where + "format-specific " + key);
        }
        JsonNode qSnaps = q.path("snapshots");
        JsonNode snaps = ours.path("snapshots");
        assertEquals(q.has("snapshots"), ours.has("snapshots"), where + "snapshots key");
        assertEquals(qSnaps.size(), snaps.size(), where + "snapshot count");
        for (int i = 0; i < qSnaps.size(); i++) {
            for (String key : QemuImg.SNAPSHOT_KEYS) {
                assertEquals(qSnaps.get(i).get(key), snaps.get(i).get(key), where + "snapshot " + i + " " + key);
            }
        }
    }

    @Test
    void namesArePrintedAsGivenLikeQemuImg() throws Exception {
        Files.createDirectory(dir.resolve("sub"));
        qemu.create(dir.resolve("base.qcow2"), "1M");
        qemu.overlay(dir.resolve("sub/top.qcow2"), "..//base.qcow2", "qcow2");
        String given = dir + "/sub//./top.qcow2";

        Run r = run("images", "--json", given);

        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode chain = json.readTree(r.out()).path("images").get(0).path("chain");
        JsonNode q = json.readTree(qemu.run("info", "--output=json", "--backing-chain", given).stdoutText());
        assertEquals(given, chain.get(0).path("filename").asString());
        assertEquals(dir + "/sub//./..//base.qcow2", chain.get(0).path("full-backing-filename").asString());
        for (String key : List.of("filename", "backing-filename", "full-backing-filename")) {
            assertEquals(q.get(0).path(key), chain.get(0).path(key), key);
        }
        assertEquals(q.get(1).path("filename"), chain.get(1).path("filename"));
    }
}
