package io.xsnap.host.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.host.exec.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Makes test images with the real qemu-img and reads what qemu-img says about them. */
public final class QemuImg {
    /** The per-image keys of {@code qemu-img info --output=json} that xsnap reproduces. */
    public static final List<String> IMAGE_KEYS = List.of("filename", "format", "virtual-size", "cluster-size",
            "dirty-flag", "backing-filename", "full-backing-filename", "backing-filename-format");
    public static final List<String> SNAPSHOT_KEYS = List.of("id", "name", "vm-state-size", "date-sec", "date-nsec",
            "vm-clock-sec", "vm-clock-nsec", "icount");

    private final ProcessRunner runner = new ExecRunner();
    private final JsonMapper json = JsonMapper.builder().build();

    public CommandResult run(String... argv) {
        List<String> all = new ArrayList<>();
        all.add("qemu-img");
        all.addAll(List.of(argv));
        return runner.run(Command.of(all).withTimeout(Duration.ofMinutes(1)));
    }

    /** A qcow2 image; options are passed to -o (e.g. "compat=0.10"). */
    public Path create(Path file, String size, String... options) {
        List<String> argv = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        for (String o : options) {
            argv.add("-o");
            argv.add(o);
        }
        argv.add(file.toString());
        argv.add(size);
        run(argv.toArray(String[]::new));
        return file;
    }

    /** A qcow2 overlay; the backing name is stored exactly as given (relative to the overlay's directory). */
    public Path overlay(Path file, String backing, String backingFormat) {
        run("create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, file.toString());
        return file;
    }

    public Path raw(Path file, String size) {
        run("create", "-q", "-f", "raw", file.toString(), size);
        return file;
    }

    public void snapshot(Path file, String name) {
        run("snapshot", "-c", name, file.toString());
    }

    /** {@code qemu-img info --output=json FILE}. */
    public JsonNode info(Path file) {
        return json.readTree(run("info", "--output=json", file.toString()).stdoutText());
    }

    /** {@code qemu-img info --output=json --backing-chain FILE}: an array, top → base. */
    public JsonNode infoChain(Path file) {
        return json.readTree(run("info", "--output=json", "--backing-chain", file.toString()).stdoutText());
    }

    /** Asserts every fact xsnap reads agrees with qemu-img's view of the same image. */
    public static void assertSameAsQemu(JsonNode q, ImageInfo info) {
        String where = q.path("filename").asString() + ": ";
        assertEquals(q.path("filename").asString(), info.filename(), where + "filename");
        assertEquals(q.path("format").asString(), info.format(), where + "format");
        assertEquals(q.path("virtual-size").asLong(), info.virtualSize(), where + "virtual-size");
        assertEquals(q.path("dirty-flag").asBoolean(), info.dirty(), where + "dirty-flag");
        assertOptional(q, "backing-filename", info.backingFile(), where);
        assertOptional(q, "full-backing-filename", info.details().fullBackingFilename(), where);
        assertOptional(q, "backing-filename-format", info.backingFormat(), where);
        if (info.format().equals("qcow2")) {
            assertEquals(q.path("cluster-size").asLong(), info.clusterSize(), where + "cluster-size");
            JsonNode data = q.path("format-specific").path("data");
            assertEquals(data.path("compat").asString(), info.version() == 2 ? "0.10" : "1.1", where + "compat");
            assertEquals(data.path("corrupt").asBoolean(false), info.corrupt(), where + "corrupt");
            assertOptional(data, "data-file", info.dataFile(), where);
        } else {
            assertFalse(q.has("cluster-size"), where + "raw has no cluster size");
        }
        JsonNode snaps = q.path("snapshots");
        assertEquals(snaps.size(), info.snapshots().size(), where + "snapshot count");
        for (int i = 0; i < info.snapshots().size(); i++) {
            JsonNode qs = snaps.get(i);
            InternalSnapshot s = info.snapshots().get(i);
            String at = where + "snapshot " + i + " ";
            assertEquals(qs.path("id").asString(), s.id(), at + "id");
            assertEquals(qs.path("name").asString(), s.name(), at + "name");
            assertEquals(qs.path("vm-state-size").asLong(), s.vmStateSize(), at + "vm-state-size");
            assertEquals(qs.path("date-sec").asLong(), s.dateSec(), at + "date-sec");
            assertEquals(qs.path("date-nsec").asLong(), s.dateNsec(), at + "date-nsec");
            assertEquals(qs.path("vm-clock-sec").asLong(), Long.divideUnsigned(s.vmClockNsec(), 1_000_000_000L),
                    at + "vm-clock-sec");
            assertEquals(qs.path("vm-clock-nsec").asLong(), Long.remainderUnsigned(s.vmClockNsec(), 1_000_000_000L),
                    at + "vm-clock-nsec");
            if (s.icount() == -1) {
                assertFalse(qs.has("icount"), at + "icount absent");
            } else {
                assertEquals(qs.path("icount").asLong(), s.icount(), at + "icount");
            }
            assertTrue(s.diskSize() == -1 || s.diskSize() >= 0, at + "disk size");
        }
    }

    private static void assertOptional(JsonNode q, String key, String actual, String where) {
        if (actual == null) {
            assertFalse(q.has(key), where + key + " should be absent but qemu-img says " + q.get(key));
        } else {
            assertEquals(q.path(key).asString(), actual, where + key);
        }
    }
}
