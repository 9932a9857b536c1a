package io.xsnap.host.exec;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.xsnap.host.qemuimg.QemuImg;
import io.xsnap.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No external command ever goes through a shell: {@link ExecRunner} is the only class that starts a
 * process, it hands commons-exec each argument unquoted and whole, no argv xsnap builds starts a shell,
 * and a hostile value ("; rm -rf ...", "$(...)", quotes, spaces) stays one argument, byte for byte.
 */
class NoShellTest {
    static final String HOSTILE = " x; rm -rf CANARY $(touch PWNED) `touch PWNED` 'q' \"dq\" a\\b\n ";
    static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh", "busybox", "env");

    static JavaClasses main;

    @TempDir
    Path tmp;

    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.xsnap");
    }

    @Test
    void onlyTheProcessRunnerStartsProcesses() {
        noClasses().that().haveNameNotMatching("io\\.xsnap\\.host\\.exec\\.ExecRunner(\\$.*)?")
                .should().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
                .orShould().dependOnClassesThat().resideInAPackage("org.apache.commons.exec..")
                .orShould().callMethod(Runtime.class, "exec", String.class)
                .orShould().callMethod(Runtime.class, "exec", String[].class)
                .because("every external command goes through the one process runner, as an argument array")
                .check(main);
    }

    @Test
    void theRunnerNeverParsesACommandStringNorQuotesArguments() {
        noClasses().should().callMethod(org.apache.commons.exec.CommandLine.class, "parse", String.class)
                .orShould().callMethod(org.apache.commons.exec.CommandLine.class, "parse", String.class, java.util.Map.class)
                .orShould().callMethod(org.apache.commons.exec.CommandLine.class, "addArgument", String.class)
                .orShould().callMethod(org.apache.commons.exec.CommandLine.class, "addArguments", String.class)
                .orShould().callMethod(org.apache.commons.exec.CommandLine.class, "addArguments", String[].class)
                .because("commons-exec's quoting adds literal quotes and trims; each argument is added as it is")
                .check(main);
    }

    @Test
    void aHostileArgumentStaysOneArgumentByteForByte() throws IOException {
        Path canary = Files.writeString(tmp.resolve("CANARY"), "alive");
        CommandResult r = new ExecRunner().run(Command.of("printf", "%s", HOSTILE).withTimeout(java.time.Duration.ofSeconds(10)));
        assertEquals(HOSTILE, r.stdoutText(), "printf got exactly one argument, unchanged");
        r = new ExecRunner().run(Command.of("sh", "-c", "printf '%s\\n' \"$#\"", "argv0", HOSTILE, "second"));
        assertEquals("2\n", r.stdoutText(), "a shell started on purpose by this test counts two arguments");
        assertTrue(Files.exists(canary));
        assertFalse(Files.exists(Path.of("PWNED")) || Files.exists(tmp.resolve("PWNED")));
    }

    @Test
    void everyQemuImgArgvIsFreeOfShellsAndKeepsHostilePathsWhole() {
        List<Command> seen = new ArrayList<>();
        ProcessRunner recording = command -> {
            seen.add(command);
            return new CommandResult(command, 0, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), "");
        };
        QemuImg q = new QemuImg(recording);
        Path image = tmp.resolve("web01;rm -rf ~ $(id).qcow2");
        Path other = tmp.resolve("`reboot`.qcow2");
        q.create(image, "qcow2", 1 << 20);
        q.createOverlay(image, other.toString(), "qcow2");
        q.createOverlayUnsafe(image, other.toString(), "qcow2", 1 << 20);
        q.snapshotCreate(image, "a; rm -rf /");
        q.snapshotApply(image, "a; rm -rf /");
        q.snapshotDelete(image, "a; rm -rf /");
        q.commit(image, other, true);
        q.rebase(image, other.toString(), "qcow2", true);
        q.rebase(image, null, null, false);
        q.info(image, "qcow2", true);
        q.infoChain(image, null, false);
        q.check(image, "qcow2");
        q.convert(image, "qcow2", other, "raw");
        assertEquals(13, seen.size());
        for (Command c : seen) {
            String exe = Path.of(c.argv().get(0)).getFileName().toString();
            assertFalse(SHELLS.contains(exe), c.display());
            assertFalse(c.argv().contains("-c") && SHELLS.contains(exe), c.display());
            assertTrue(c.argv().stream().anyMatch(a -> a.equals(image.toString()) || a.contains("file.filename=" + image)),
                    "the hostile path is one argument: " + c.argv());
        }
    }

    @Test
    void hostileNamesOnTheCommandLineAreRefusedBeforeAnythingRuns() {
        for (String[] args : List.of(new String[] {"create", "web01; rm -rf /"}, new String[] {"create", "-web01"},
                new String[] {"delete", "web01", "../../etc"}, new String[] {"revert", "web01", "a\0b"},
                new String[] {"create", "web01", "--name", " a"}, new String[] {"create", "web01", "--disk", "xvda/..=external"},
                new String[] {"create", "web01", "--disk", "-xvda=external"})) {
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--store", tmp.resolve("store").toString(), "--driver", "qemu", "--qemu-dir",
                    tmp.resolve("qemu").toString()));
            Cli.Run r = Cli.run(all.toArray(String[]::new));
            assertEquals(64, r.code(), String.join(" ", args) + ": " + r);
            assertFalse(Files.exists(tmp.resolve("store")), "nothing was touched");
            assertFalse(r.err().chars().anyMatch(ch -> ch < 0x20 && ch != '\n'), "the message escapes control characters");
        }
        assertThrows(IllegalArgumentException.class, () -> Command.of(List.of()));
    }
}
