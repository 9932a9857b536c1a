package io.xsnap.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.xsnap.testing.States;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The streaming reader reads exactly what the data-binding mapper writes (and reads), and the schemas accept what
 * the mapper writes: the records, the mapper's naming and the schemas are one definition of the state format, the
 * reader a faster copy of the mapper's reading that this test holds to it.
 */
class StateReaderTest {
    private final JsonMapper json = Json.mapper();

    private static Schema schema(String name) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemaIdResolvers(r -> r.mapPrefix("https://xsnap.io/schemas/", "classpath:schemas/")));
        return registry.getSchema(SchemaLocation.of("https://xsnap.io/schemas/" + name));
    }

    /**
     * Many generated states ({@link States}: every field of every record, made by reflection, so a new field is in
     * them at once), written compact as {@code observe --json} does and indented: both readers give the state
     * written, and the state schema accepts it (it lists every property: an unlisted one is refused).
     */
    @Test
    void generatedStatesReadBackEqualByBothReadersAndConformToTheSchema() {
        Schema stateSchema = schema("state-v1.schema.json");
        Schema manifestSchema = schema("manifest-v1.schema.json");
        tools.jackson.databind.ObjectWriter compact = json.writer().without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        for (long seed = 1; seed <= 400; seed++) {
            Actual state = seed <= 20 ? States.full(seed, false) : States.random(seed);
            byte[] written = compact.writeValueAsBytes(state);
            String where = "seed " + seed + ": " + new String(written, StandardCharsets.UTF_8);
            assertEquals(state, StateReader.actual(written), where);
            assertEquals(state, StateReader.actual(json.writeValueAsBytes(state)), where);
            assertEquals(state, json.readValue(written, Actual.class), where);
            assertEquals(List.of(), stateSchema.validate(json.readTree(written)).stream().map(Error::toString).toList(), where);
            for (StoredSnapshot s : state.snapshots()) {
                byte[] manifest = json.writeValueAsBytes(s.manifest());
                assertEquals(s.manifest(), StateReader.manifest(manifest), where);
                assertEquals(List.of(), manifestSchema.validate(json.readTree(manifest)).stream().map(Error::toString).toList(), where);
            }
            for (CloneRecord c : state.clones()) {
                assertEquals(c, StateReader.cloneRecord(json.writeValueAsBytes(c)), where);
            }
        }
    }

    private static Actual everyField() {
        DomainInfo web = new DomainInfo("web01", "qemu", 4242, RunState.RUNNING, List.of(
                new DiskInfo("xvda", Path.of("/img/web01.qcow2"), "qcow2", "xvda", false),
                new DiskInfo("xvdb", Path.of("/img/data.raw"), "raw", null, true),
                new DiskInfo("xvdc", Path.of("/xfs/scratch.raw"), "raw", null, false, true)));
        DomainInfo off = new DomainInfo("db01", "qemu", 0, RunState.SHUTOFF, List.of());
        ImageInfo top = new ImageInfo(Path.of("/img/web01.qcow2"), "qcow2", 1L << 34, 3, 65536, "base.qcow2",
                Path.of("/img/base.qcow2"), "qcow2", "data.bin", true, false, List.of(
                        new InternalSnapshot("1", "pre-upgrade", 1_700_000_000L, 123_456_789L, 987_654_321L, 4096,
                                1L << 34, -1),
                        new InternalSnapshot("2", "ünïcode \"quoted\"", 1, 2, 3, 0, -1, 7)), 1_234_567)
                .withMergeCosts(65536 * 3, 65536 * 5);
        ImageInfo raw = new ImageInfo(Path.of("/img/data.raw"), "raw", 1 << 20, 0, 0, null, null, null, null, false,
                true, List.of(), 1 << 20);
        Manifest withMemory = new Manifest(1, "pre-upgrade", "web01", "qemu", Instant.parse("2026-11-26T12:34:56.789Z"),
                "before the upgrade", "running", new Manifest.Memory("memory.save", 65536, "ab".repeat(32), true, 37),
                List.of(new Manifest.Disk("xvda", "internal", "qcow2", "/img/web01.qcow2", "pre-upgrade", null, null),
                        new Manifest.Disk("xvdb", "external", "raw", null, null, "/img/data.raw",
                                "/store/web01/layers/xvdb.1.qcow2"),
                        new Manifest.Disk("xvdc", "excluded", "raw", null, null, null, null)),
                "older", new RestartRecipe(List.of("qemu-system-x86_64", "-name", "web01", "-drive",
                "id=xvda,file=/img/web01.qcow2,format=qcow2"), null));
        Manifest diskOnly = new Manifest(1, "daily", "db01", "xl", Instant.parse("2026-01-01T00:00:00Z"), null, "paused",
                null, List.of(), null, new RestartRecipe(List.of(), "{\"name\": \"db01\"}", "/etc/xen/db01.cfg",
                "name = \"db01\"\ndisk = [ 'qcow2:/img/db01.qcow2,xvda,w' ]\n"));
        CloneRecord clone = new CloneRecord(1, "web01-test", "web01", "pre-upgrade", Instant.parse("2026-11-27T08:00:00Z"),
                List.of(new CloneRecord.Disk("xvda", "/store/web01-test/layers/xvda.1.qcow2", "/img/web01.frozen.qcow2",
                        "qcow2")), new RestartRecipe(List.of("qemu-system-x86_64", "-name", "web01-test"), null),
                "/store/web01/pre-upgrade/memory.save");
        return new Actual("qemu", List.of(off, web), List.of(raw, top),
                List.of(new StoredSnapshot(withMemory, 65536), new StoredSnapshot(diskOnly, -1)),
                List.of("web01/half-done"), List.of("/img/x.qcow2: corrupt"), List.of("web01/r1"), List.of(clone));
    }

    @Test
    void readsWhatTheMapperWrites() {
        Actual actual = everyField();
        byte[] written = json.writeValueAsBytes(actual);
        assertEquals(actual, StateReader.actual(written));
        assertEquals(json.readValue(written, Actual.class), StateReader.actual(written));
    }

    @Test
    void readsManifestsTheMapperWrites() {
        for (StoredSnapshot s : everyField().snapshots()) {
            assertEquals(s.manifest(), StateReader.manifest(json.writeValueAsBytes(s.manifest())));
        }
    }

    @Test
    void readsCloneRecordsTheMapperWrites() {
        for (CloneRecord c : everyField().clones()) {
            assertEquals(c, StateReader.cloneRecord(json.writeValueAsBytes(c)));
        }
    }

    @Test
    void skipsUnknownPropertiesAndAcceptsWhatTheMapperAccepts() {
        String text = """
                {"future": {"nested": [1, {"a": null}]}, "driver": "qemu",
                 "domains": [{"name": "a", "id": "12", "state": "Paused", "disks": [], "extra": true}],
                 "images": [], "snapshots": [{"manifest": {"format_version": 1, "name": "s", "domain": "a",
                   "created": "2026-01-02T03:04:05+01:00", "disks": [], "memory": null}, "memory_size": 0}],
                 "incomplete": [], "problems": []}""";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Actual read = StateReader.actual(bytes);
        assertEquals(json.readValue(bytes, Actual.class), read);
        assertEquals(12, read.domains().get(0).id());
        assertEquals(RunState.PAUSED, read.domains().get(0).state());
        assertEquals(Instant.parse("2026-01-02T02:04:05Z"), read.snapshots().get(0).manifest().created());
        assertNull(read.snapshots().get(0).manifest().memory());
    }

    @Test
    void refusesWhatIsNoState() {
        for (String bad : List.of("[]", "{\"driver\": \"qemu\"}", "{\"domains\": {}}", "{\"domains\": [{\"id\": \"x\"}]}",
                "{\"domains\": [{\"state\": \"sleeping\", \"disks\": []}]}", "{} {}", "{")) {
            JacksonException e = assertThrows(JacksonException.class,
                    () -> StateReader.actual(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(e.getOriginalMessage() != null && !e.getOriginalMessage().isBlank(), bad);
        }
    }

    /** A damaged file is a read error naming the place, never an exception of another kind that stops observing. */
    @Test
    void aNullItemOrAnOversizedVersionIsAReadError() {
        String written = new String(json.writeValueAsBytes(everyField()), StandardCharsets.UTF_8);
        String nullItem = written.replaceFirst("\"domains\"\\s*:\\s*\\[", "\"domains\": [null,");
        String hugeVersion = written.replaceFirst("\"version\"\\s*:\\s*3", "\"version\": 99999999999");
        assertTrue(!nullItem.equals(written) && !hugeVersion.equals(written), "the test edits the written state");
        JacksonException a = assertThrows(JacksonException.class, () -> StateReader.actual(nullItem.getBytes(StandardCharsets.UTF_8)));
        assertTrue(a.getOriginalMessage().contains("null where a list item was expected"), a.getOriginalMessage());
        JacksonException b = assertThrows(JacksonException.class, () -> StateReader.actual(hugeVersion.getBytes(StandardCharsets.UTF_8)));
        assertTrue(b.getOriginalMessage().contains("expected a small integer, found 99999999999"), b.getOriginalMessage());
    }
}
