package io.xsnap.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top command: only groups the subcommands. */
@Command(name = "xsnap", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Keeps the snapshots of Xen (and QEMU) domains in a declared state.",
        subcommands = {
            AutoComplete.GenerateCompletion.class,
            ValidateCommand.class,
            PlanCommand.class,
            ApplyCommand.class,
            CreateCommand.class,
            RevertCommand.class,
            DeleteCommand.class,
            CloneCommand.class,
            DeleteCloneCommand.class,
            BackupCommand.class,
            SnapshotCreateCommand.class,
            SnapshotRevertCommand.class,
            RecoverCommand.class,
            ListCommand.class,
            ObserveCommand.class,
            ImagesCommand.class,
            SchemaCommand.class,
            ModuleCommand.class,
        })
public final class XsnapCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** A fresh, fully configured command line; tests use it to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new XsnapCommand());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setExitCodeExceptionMapper(new ErrorHandler());
        cl.getCommandSpec().usageMessage().exitCodeListHeading("Exit codes:%n");
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        completion.getCommandSpec().usageMessage().hidden(true);
        cl.addSubcommand("completion", new AutoComplete.GenerateCompletion());
        return cl;
    }
}
