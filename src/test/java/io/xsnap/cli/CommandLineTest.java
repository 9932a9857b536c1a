package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.testing.Cli;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user meets it: help everywhere, version, completion, and the exit codes. */
class CommandLineTest {
    @TempDir
    Path tmp;

    /** The safety net: pom.xml points XSNAP_TRUST_DIR under target/, so no test writes the host's /var/lib/xsnap. */
    @Test
    void testsKeepTheTrustedRecordsUnderTargetNotInVarLibXsnap() {
        String env = System.getenv("XSNAP_TRUST_DIR");
        org.junit.jupiter.api.Assertions.assertNotNull(env, "surefire's environmentVariables set XSNAP_TRUST_DIR");
        HostOptions options = new HostOptions();
        new picocli.CommandLine(options).parseArgs();
        assertEquals(java.nio.file.Path.of(env), options.trustDir);
        assertTrue(options.trustDir.toAbsolutePath().normalize().startsWith(
                java.nio.file.Path.of("target").toAbsolutePath()), options.trustDir.toString());
        assertFalse(options.trustDir.startsWith("/var/lib/xsnap"), options.trustDir.toString());
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine root = XsnapCommand.commandLine();
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("generate-completion") || name.equals("completion")) {
                continue;
            }
            Cli.Run r = Cli.run(name, "--help");
            assertEquals(0, r.code(), name + ": " + r);
            assertTrue(r.out().startsWith("Usage: xsnap " + name), name + ": " + r.out());
        }
        assertTrue(root.getSubcommands().keySet().containsAll(java.util.List.of("validate", "plan", "apply", "create",
                "revert", "delete", "list", "observe", "images", "schema", "completion")), root.getSubcommands().keySet().toString());
    }

    @Test
    void hostOptionsComeBeforeOrAfterTheSubcommand() {
        String store = tmp.resolve("store").toString();
        Cli.Run before = Cli.run("--store", store, "--driver=qemu", "--qemu-dir", tmp.toString(), "list", "--json");
        assertEquals(0, before.code(), before.toString());
        assertTrue(before.out().contains("\"snapshots\" : [ ]"), before.out());
        Cli.Run after = Cli.run("list", "--json", "--store", store, "--driver=qemu", "--qemu-dir", tmp.toString());
        assertEquals(before.out(), after.out());
        Cli.Run mixed = Cli.run("--store", store, "list", "--driver", "qemu", "--qemu-dir", tmp.toString(), "--json");
        assertEquals(before.out(), mixed.out());
        Cli.Run notHere = Cli.run("--store", store, "schema");
        assertEquals(ExitCodes.USAGE, notHere.code(), "a command without host options refuses them: " + notHere);
        assertTrue(notHere.err().contains("Unknown option: '--store'"), notHere.err());
        assertEquals(ExitCodes.USAGE, Cli.run("--store", store).code(), "no subcommand");
        assertTrue(Cli.run("--help").out().contains("xsnap --store DIR list"));
    }

    @Test
    void theManPageHasEveryVisibleCommandInRoff() {
        java.io.StringWriter page = new java.io.StringWriter();
        ManPage.write(XsnapCommand.commandLine(), "xsnap 9.9", new java.io.PrintWriter(page));
        String roff = page.toString();
        assertTrue(roff.startsWith(".TH XSNAP 1 \"\" \"xsnap 9.9\""), roff.substring(0, 80));
        for (String name : List.of("validate", "plan", "apply", "create", "revert", "delete", "list", "completion")) {
            assertTrue(roff.contains("\n.SS " + name.replace("-", "\\-") + "\n"), name);
        }
        assertTrue(!roff.contains(".SS module") && !roff.contains(".SS generate"), "hidden commands are left out");
        assertTrue(roff.contains("\\-\\-store"), "dashes are escaped");
        assertTrue(roff.lines().noneMatch(l -> l.startsWith(".") && !l.matches("^\\.(TH|SH|SS|B|PP|nf|fi|TP|I|BR) ?.*")),
                "no line of text starts a roff request");
    }

    @Test
    void versionAndCompletion() {
        Cli.Run v = Cli.run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("xsnap "), v.out());
        Cli.Run c = Cli.run("completion");
        assertEquals(0, c.code());
        assertTrue(c.out().contains("complete -F") && c.out().contains("xsnap"), c.out().substring(0, 200));
    }

    @Test
    void exitCodesAreApi() throws java.io.IOException {
        assertEquals(ExitCodes.USAGE, Cli.run("plan", "--no-such-option", "x.yaml").code());
        assertEquals(ExitCodes.USAGE, Cli.run().code(), "no subcommand is a usage error");
        assertEquals(ExitCodes.NOINPUT, Cli.run("validate", tmp.resolve("missing.yaml").toString()).code());
        Path spec = java.nio.file.Files.writeString(tmp.resolve("s.yaml"),
                "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\nsnapshots: []\n");
        Cli.Run relative = Cli.run("plan", "--store", "relative/store", spec.toString());
        assertEquals(ExitCodes.USAGE, relative.code(), relative.toString());
        assertTrue(relative.err().contains("--store must be an absolute path"), relative.err());
        Cli.Run noState = Cli.run("plan", "--store", tmp.toString(), "--state", tmp.resolve("none.json").toString(), spec.toString());
        assertEquals(ExitCodes.NOINPUT, noState.code(), noState.toString());
        Cli.Run badName = Cli.run("create", "--store", tmp.toString(), "--driver", "qemu", "--qemu-dir", tmp.toString(),
                "../etc", "--name", "x");
        assertEquals(ExitCodes.USAGE, badName.code());
        assertTrue(badName.err().contains("domain '../etc' is not a valid name"), badName.err());
        Cli.Run slash = Cli.run("delete", "--store", tmp.toString(), "--driver", "qemu", "--qemu-dir", tmp.toString(),
                "web01", "a/b");
        assertEquals(ExitCodes.USAGE, slash.code());
    }

    @Test
    void unknownDomainIsAnErrorThatNamesItAndChangesNothing() {
        Path store = tmp.resolve("store");
        Cli.Run r = new Cli(store, tmp).host("create", "ghost", "--name", "s");
        assertEquals(ExitCodes.ERROR, r.code(), r.toString());
        assertTrue(r.out().contains("domain ghost does not exist on this host (driver qemu)"), r.out());
        assertTrue(!java.nio.file.Files.exists(store.resolve("ghost")));
    }
}
