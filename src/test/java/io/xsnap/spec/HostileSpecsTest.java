package io.xsnap.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Hostile specs (src/test/resources/specs/hostile): names with '/', '..', NUL, a leading '-' or whitespace,
 * shell metacharacters, look-alike Unicode; YAML tags, aliases, merge keys, deep nesting, huge keys,
 * broken encodings. Each NNN-what.yaml is refused with exactly the problems in NNN-what.expected (one per
 * line, the file named without its directory), and never with another exception. To accept deliberate
 * changes of wording run with {@code -Dxsnap.hostile.update=true} and review the diff.
 */
class HostileSpecsTest {
    static final Path DIR = Path.of("src/test/resources/specs/hostile");
    static final int AT_LEAST = 100;

    private final SpecLoader loader = new SpecLoader();

    static List<Path> specs() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void thereAreAtLeastAHundredAndEachHasItsExpectedMessages() throws IOException {
        List<Path> specs = specs();
        assertTrue(specs.size() >= AT_LEAST, specs.size() + " hostile specs");
        for (Path spec : specs) {
            assertTrue(Files.exists(expectedFile(spec)) || Boolean.getBoolean("xsnap.hostile.update"),
                    spec + " has no .expected file");
        }
    }

    @TestFactory
    Stream<DynamicTest> eachHostileSpecIsRefusedWithItsMessages() throws IOException {
        return specs().stream().map(spec -> DynamicTest.dynamicTest(spec.getFileName().toString(), () -> {
            List<String> problems = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> problems(spec));
            assertFalse(problems.isEmpty(), spec + " was accepted");
            Path expected = expectedFile(spec);
            if (Boolean.getBoolean("xsnap.hostile.update")) {
                Files.writeString(expected, String.join("\n", problems) + "\n", StandardCharsets.UTF_8);
            }
            assertEquals(Files.readAllLines(expected, StandardCharsets.UTF_8), problems, spec.toString());
        }));
    }

    private List<String> problems(Path spec) throws IOException {
        try {
            loader.load(List.of(spec));
        } catch (SpecException e) {
            String prefix = spec.getParent().toString() + "/";
            // one line per problem: line breaks inside a quoted hostile value are shown escaped
            return e.problems().stream().map(p -> p.toString().replace(prefix, "").replace("\r", "\\r")
                    .replace("\n", "\\n")).toList();
        } catch (RuntimeException e) {
            fail(spec + ": not a spec problem but " + e, e);
        }
        return List.of();
    }

    private static Path expectedFile(Path spec) {
        String name = spec.getFileName().toString();
        return spec.resolveSibling(name.substring(0, name.length() - ".yaml".length()) + ".expected");
    }
}
