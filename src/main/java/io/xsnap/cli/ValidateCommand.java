package io.xsnap.cli;

import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code xsnap validate SPEC...}: checks spec files without touching any host. Invalid specs and missing
 * files end in the ErrorHandler like for every command that loads specs: one line per problem, exit 65 or 66.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks spec files: YAML syntax, the spec schema, unique snapshot names and one spec per"
                + " domain. Prints every problem as FILE:LINE:COLUMN: field: message."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {" 0:all specs are valid", "65:a spec is invalid", "66:a file or directory does not exist"})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SPEC",
            description = "Spec files, or directories searched for *.yaml and *.yml files.")
    List<Path> specs;

    @Override
    public Integer call() throws Exception {
        SpecLoader loader = new SpecLoader();
        List<Path> files = loader.expand(specs);
        Desired desired = loader.load(files);
        int snapshots = desired.domains().stream().mapToInt(d -> d.snapshots().size()).sum();
        spec.commandLine().getOut().println(count(files.size(), "file") + ", "
                + count(desired.domains().size(), "domain") + ", " + count(snapshots, "snapshot")
                + (desired.clones().isEmpty() ? "" : ", " + count(desired.clones().size(), "clone")) + ": valid");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
