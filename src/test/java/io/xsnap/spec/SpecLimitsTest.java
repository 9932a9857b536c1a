package io.xsnap.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.xsnap.testing.Cli;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 item 11: a 50 MB spec with one long string kept {@code validate} busy for over 15 minutes at 1.9 GB (reading
 * a long YAML scalar costs more than linear time: 8 MB took 16 s). A spec file over 1 MiB is refused before it is read,
 * and a value over 256 Ki characters when it is met, each naming the file (and the value's place).
 */
class SpecLimitsTest {
    private static final String HEAD = "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\nsnapshots:\n  - name: a\n"
            + "    description: ";

    @TempDir
    Path tmp;

    @Test
    void aFiftyMegabyteSpecIsRefusedAtOnceNamingTheFile() throws IOException {
        Path spec = tmp.resolve("huge.yaml");
        try (Writer w = Files.newBufferedWriter(spec, StandardCharsets.UTF_8)) {
            w.write(HEAD);
            char[] chunk = "x".repeat(1 << 20).toCharArray();
            for (int i = 0; i < 50; i++) {
                w.write(chunk);
            }
            w.write("\n");
        }
        Cli.Run r = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Cli.run("validate", spec.toString()));
        assertEquals(65, r.code(), r.toString());
        assertEquals(spec + ":1:1: (file): is " + Files.size(spec) + " bytes; a spec file may hold at most 1048576 bytes (1 MiB):"
                + " split it into several files in one directory", r.err().strip());
    }

    @Test
    void aLongValueInASmallFileIsRefusedWhereItIs() throws IOException {
        Path spec = Files.writeString(tmp.resolve("long.yaml"), HEAD + "y".repeat(300_000) + "\n");
        SpecException e = assertThrows(SpecException.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> new SpecLoader().load(List.of(spec))));
        assertEquals(List.of(spec + ":6:18: snapshots[0].description: is 300000 characters long; a value may hold at most"
                + " 262144"), e.problems().stream().map(SpecProblem::toString).toList());
    }
}
