package io.xsnap.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What xsnap writes and prints conforms to the schemas it publishes in schemas/ (and embeds). */
@GuestTest
class SchemaConformanceTest {
    @TempDir
    Path tmp;
    GuestLab lab;

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    private static List<Error> validate(String schema, JsonNode doc) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemaIdResolvers(r -> r.mapPrefix("https://xsnap.io/schemas/", "classpath:schemas/")));
        Schema s = registry.getSchema(SchemaLocation.of("https://xsnap.io/schemas/" + schema));
        return s.validate(doc);
    }

    private static void conforms(String schema, String json) {
        JsonNode doc = JsonMapper.builder().build().readTree(json);
        assertEquals(List.of(), validate(schema, doc).stream().map(Error::toString).toList(), schema + ":\n" + json);
    }

    @Test
    void manifestsObservedStatePlansAndSavedPlansConform() throws IOException {
        lab = new GuestLab(tmp);
        lab.start("web01", Disk.qcow2("xvda", lab.createDisk("a.qcow2", "qcow2", 8 << 20)),
                Disk.raw("xvdb", lab.createDisk("b.raw", "raw", 8 << 20)));
        Path store = tmp.resolve("store");
        Cli cli = new Cli(store, lab.qemuDir());
        Path spec = tmp.resolve("web01.yaml");
        Files.writeString(spec, """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: full
                  - name: disks
                    memory: false
                    disks: {xvda: exclude}
                """);
        Cli.Run plan = cli.host("plan", "--json", spec.toString());
        assertEquals(0, plan.code(), plan.toString());
        conforms("plan-v1.schema.json", plan.out());
        Cli.Run apply = cli.host("apply", "--auto-approve", spec.toString());
        assertEquals(0, apply.code(), apply.toString());
        conforms("manifest-v1.schema.json", Files.readString(store.resolve("web01/full/snapshot.json")));
        conforms("manifest-v1.schema.json", Files.readString(store.resolve("web01/disks/snapshot.json")));
        Cli.Run observe = cli.host("observe", "--json");
        conforms("state-v1.schema.json", observe.out());
        Cli.Run delete = cli.host("plan", "--json", "--state", write("state.json", observe.out()).toString(),
                write("gone.yaml", Files.readString(spec).replace("- name: full", "- name: full\n    state: absent")).toString());
        conforms("plan-v1.schema.json", delete.out());
    }

    private Path write(String name, String text) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aDocumentMissingARequiredFieldDoesNotConform() {
        JsonNode doc = JsonMapper.builder().build().readTree("{\"format_version\":1,\"name\":\"a\"}");
        assertEquals(true, !validate("manifest-v1.schema.json", doc).isEmpty(), "the check can fail");
    }
}
