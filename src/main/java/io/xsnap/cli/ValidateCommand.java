package io.xsnap.cli;

import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import io.xsnap.spec.SpecProblem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xsnap validate SPEC...}: checks spec files without touching any host. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks spec files: YAML syntax, the spec schema, unique snapshot names and one spec per"
                + " domain. Prints every problem as FILE:LINE:COLUMN: field: message."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:all specs are valid", "65:a spec is invalid", "66:a file or directory does not exist"})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SPEC",
            description = "Spec files, or directories searched for *.yaml and *.yml files.")
    List<Path> specs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SpecLoader loader = new SpecLoader();
        try {
            List<Path> files = loader.expand(specs);
            Desired desired = loader.load(files);
            int snapshots = desired.domains().stream().mapToInt(d -> d.snapshots().size()).sum();
            out.println(count(files.size(), "file") + ", " + count(desired.domains().size(), "domain") + ", "
                    + count(snapshots, "snapshot") + ": valid");
            return ExitCodes.OK;
        } catch (SpecException e) {
            for (SpecProblem p : e.problems()) {
                err.println(p);
            }
            return ExitCodes.DATAERR;
        } catch (NoSuchFileException e) {
            err.println("xsnap: " + e.getFile() + ": " + (e.getReason() == null ? "no such file" : e.getReason()));
            return ExitCodes.NOINPUT;
        } catch (IOException e) {
            err.println("xsnap: cannot read " + e.getMessage());
            return ExitCodes.NOINPUT;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

}
