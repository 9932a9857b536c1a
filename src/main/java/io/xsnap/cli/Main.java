package io.xsnap.cli;

import io.xsnap.spec.SpecLoader;
import java.util.Set;

/** Entry point: wires the command tree and exits with the code the command returned. */
public final class Main {
    private Main() {
    }

    /**
     * The commands that load specs (module: the Ansible reconcile request): their schema is compiled on a
     * second thread while picocli starts.
     */
    private static final Set<String> LOAD_SPECS = Set.of("validate", "plan", "apply", "module");

    public static void main(String[] given) {
        String[] args = XsnapCommand.hostOptionsAfterSubcommand(given);
        if (args.length > 0 && LOAD_SPECS.contains(args[0])) {
            Thread warm = new Thread(SpecLoader::prepare, "xsnap-spec-warm-up");
            warm.setDaemon(true);
            warm.start();
        }
        System.exit(XsnapCommand.commandLine(args).execute(args));
    }
}
