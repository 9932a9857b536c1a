package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** {@code xsnap validate} and {@code xsnap schema}, run in-process through the real command tree. */
class SpecCommandsTest {
    private static final String HEAD = "apiVersion: xsnap/v1\nkind: DomainSnapshots\n";

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = XsnapCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void validSpecsPrintASummary() {
        assertEquals(ExitCodes.OK, run("validate", "examples/specs"));
        assertEquals("4 files, 3 domains, 3 snapshots, 2 clones: valid\n", out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void summaryUsesTheSingularForOne() throws Exception {
        Path file = tmp.resolve("web01.yaml");
        Files.writeString(file, HEAD + "domain: web01\nsnapshots:\n  - name: a\n");
        assertEquals(ExitCodes.OK, run("validate", file.toString()));
        assertEquals("1 file, 1 domain, 1 snapshot: valid\n", out.toString());
    }

    @Test
    void everyProblemIsOneLineFileLineColumnFieldMessage() throws Exception {
        Path file = tmp.resolve("web01.yaml");
        Files.writeString(file, HEAD + "domain: web/01\nsnapshots:\n  - name: a\n    memory: yes\n");
        assertEquals(ExitCodes.DATAERR, run("validate", file.toString()));
        assertEquals("", out.toString());
        List<String> lines = err.toString().lines().toList();
        assertEquals(List.of(
                file + ":3:9: domain: \"web/01\" is not a valid domain name: it contains '/'; use 1 to 64 letters,"
                        + " digits, '.', '_' or '-', starting with a letter or digit, without '..'",
                file + ":6:13: snapshots[0].memory: must be true or false; in YAML 1.2 \"yes\" is a string, not a"
                        + " boolean"), lines);
        lines.forEach(l -> assertTrue(l.matches("[^:]+:\\d+:\\d+: [^ ]+: .+"), l));
    }

    @Test
    void aSyntaxErrorIsReportedInTheSameFormat() throws Exception {
        Path file = tmp.resolve("web01.yaml");
        Files.writeString(file, HEAD + "domain: web01\nsnapshots:\n\t- name: a\n");
        assertEquals(ExitCodes.DATAERR, run("validate", file.toString()));
        assertEquals(file + ":5:1: (yaml): YAML syntax error: a tab character; YAML indents with spaces only\n",
                err.toString());
    }

    @Test
    void missingInputExits66() {
        Path missing = tmp.resolve("nope.yaml");
        assertEquals(ExitCodes.NOINPUT, run("validate", "examples/specs", missing.toString()));
        assertEquals("xsnap: " + missing + ": no such file or directory\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void validateWithoutArgumentsIsAUsageError() {
        assertEquals(ExitCodes.USAGE, run("validate"));
        assertTrue(err.toString().contains("Missing required parameter: 'SPEC'"), err.toString());
    }

    @Test
    void schemaPrintsTheEmbeddedSpecSchemaByDefault() throws Exception {
        assertEquals(ExitCodes.OK, run("schema"));
        JsonNode printed = JsonMapper.builder().build().readTree(out.toString());
        assertEquals("https://xsnap.io/schemas/spec-v1.schema.json", printed.path("$id").asString());
        assertEquals(Files.readString(Path.of("schemas/spec-v1.schema.json")), out.toString());
    }

    @Test
    void schemaByName() {
        assertEquals(ExitCodes.OK, run("schema", "spec"));
        assertTrue(out.toString().startsWith("{"));
    }

    @Test
    void unknownSchemaIsAUsageErrorListingTheAvailableOnes() {
        assertEquals(ExitCodes.USAGE, run("schema", "nope"));
        assertTrue(err.toString().startsWith("unknown schema \"nope\"; available: "
                + String.join(", ", SchemaCommand.available()) + "\n"), err.toString());
        assertTrue(SchemaCommand.available().contains("spec"));
        assertEquals("", out.toString());
    }
}
