package io.xsnap.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top command: only groups the subcommands. */
@Command(name = "xsnap", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Keeps the snapshots of Xen (and QEMU) domains in a declared state.",
        footer = {"", "Host options (--store, --driver, --qemu-dir, --xen-run-dir, --trust-dir) may also come before the",
            "subcommand, as in: xsnap --store DIR list"})
public final class XsnapCommand implements Runnable {
    /**
     * The subcommands by name, in the order help lists them. Picocli builds a subcommand's model by
     * reflection when it is added, so a run that names its subcommand first adds only that one
     * ({@link #commandLine(String...)}).
     */
    static final Map<String, Class<?>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("validate", ValidateCommand.class);
        SUBCOMMANDS.put("plan", PlanCommand.class);
        SUBCOMMANDS.put("apply", ApplyCommand.class);
        SUBCOMMANDS.put("create", CreateCommand.class);
        SUBCOMMANDS.put("revert", RevertCommand.class);
        SUBCOMMANDS.put("delete", DeleteCommand.class);
        SUBCOMMANDS.put("clone", CloneCommand.class);
        SUBCOMMANDS.put("delete-clone", DeleteCloneCommand.class);
        SUBCOMMANDS.put("backup", BackupCommand.class);
        SUBCOMMANDS.put("snapshot-create", SnapshotCreateCommand.class);
        SUBCOMMANDS.put("snapshot-revert", SnapshotRevertCommand.class);
        SUBCOMMANDS.put("recover", RecoverCommand.class);
        SUBCOMMANDS.put("list", ListCommand.class);
        SUBCOMMANDS.put("observe", ObserveCommand.class);
        SUBCOMMANDS.put("images", ImagesCommand.class);
        SUBCOMMANDS.put("schema", SchemaCommand.class);
        SUBCOMMANDS.put("module", ModuleCommand.class);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** A fresh, fully configured command line with every subcommand; tests use it to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = top();
        CommandLine generate = new CommandLine(new AutoComplete.GenerateCompletion());
        generate.getCommandSpec().usageMessage().hidden(true);
        cl.addSubcommand("generate-completion", generate);
        SUBCOMMANDS.forEach(cl::addSubcommand);
        cl.addSubcommand("completion", new AutoComplete.GenerateCompletion());
        return configure(cl);
    }

    /**
     * The command line for these arguments: when the first one names a subcommand, the top command with only
     * that subcommand (which parses, helps and fails exactly as in the full tree); else the full tree, for
     * top-level help, the version, completion and misspelt subcommands.
     */
    public static CommandLine commandLine(String... args) {
        Class<?> only = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        if (only == null) {
            return commandLine();
        }
        CommandLine cl = top();
        cl.addSubcommand(args[0], only);
        return configure(cl);
    }

    /**
     * The arguments with host options given before the subcommand ({@code xsnap --store DIR list}, as git and
     * kubectl take them) moved behind its name, where the subcommand parses them as its own: a subcommand
     * without host options then refuses them as it would there. Anything else is left as it is.
     */
    public static String[] hostOptionsAfterSubcommand(String... args) {
        Map<String, Integer> arity = new LinkedHashMap<>();
        CommandLine.Model.CommandSpec.forAnnotatedObject(new HostOptions()).options()
                .forEach(o -> Arrays.stream(o.names()).forEach(n -> arity.put(n, o.arity().min())));
        List<String> moved = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            int eq = a.indexOf('=');
            if (arity.containsKey(a) && i + arity.get(a) < args.length) {
                moved.addAll(Arrays.asList(args).subList(i, i + 1 + arity.get(a)));
                i += 1 + arity.get(a);
            } else if (eq > 0 && arity.containsKey(a.substring(0, eq))) {
                moved.add(a);
                i++;
            } else {
                break;
            }
        }
        if (moved.isEmpty() || i >= args.length || args[i].startsWith("-")) {
            return args;
        }
        List<String> out = new ArrayList<>(List.of(args[i]));
        out.addAll(moved);
        out.addAll(Arrays.asList(args).subList(i + 1, args.length));
        return out.toArray(String[]::new);
    }

    private static CommandLine top() {
        return new CommandLine(new XsnapCommand());
    }

    private static CommandLine configure(CommandLine cl) {
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setExitCodeExceptionMapper(new ErrorHandler());
        cl.getCommandSpec().usageMessage().exitCodeListHeading("Exit codes:%n");
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> ex.getCommandLine().getCommand() instanceof ModuleCommand
                ? ModuleCommand.badOption(ex) : usage.handleParseException(ex, args));
        return cl;
    }
}
