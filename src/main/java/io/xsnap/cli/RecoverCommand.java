package io.xsnap.cli;

import io.xsnap.apply.Reconciler;
import picocli.CommandLine.Command;

/** {@code xsnap recover}: only what every changing run does first. */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Recover from an interrupted run and nothing else: resume the domains it left paused, finish "
                + "or undo the changes its journal shows half done, remove snapshot directories without a manifest. "
                + "Every changing command does this first.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:recovered (or nothing to recover)", "1:error, or a recovery step failed",
            "75:another xsnap run holds the lock"})
public final class RecoverCommand extends ChangeCommand {
    @Override
    public Integer call() {
        return new ChangeRun(new HostContext(host), apply, spec.commandLine()).run(Reconciler.Goal.recoveryOnly(),
                plan -> true);
    }
}
