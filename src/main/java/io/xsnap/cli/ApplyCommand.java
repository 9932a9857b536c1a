package io.xsnap.cli;

import io.xsnap.plan.Planner;
import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import java.io.Console;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap apply}: make the host match the specs. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Show the plan, then make the host match the specs. Without a terminal it needs --auto-approve.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (or nothing to do)", "1:error, or a change failed", "64:usage", "65:invalid spec",
            "66:missing input", "75:another xsnap run holds the lock", "76:refused (e.g. needs --force)"})
public final class ApplyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Mixin
    ApplyOptions apply;

    @Option(names = "--auto-approve", description = "Apply without asking.")
    boolean autoApprove;

    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Spec files or directories.")
    List<Path> specs;

    @Override
    public Integer call() throws SpecException, java.io.IOException {
        Desired desired = new SpecLoader().load(specs);
        HostContext ctx = new HostContext(host);
        desired.domains().forEach(d -> d.xlConfig().ifPresent(f -> ctx.xlConfig(d.domain(), f)));
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                (actual, now) -> new Planner(ctx.layout, now).plan(desired, actual),
                plan -> autoApprove || confirm(),
                (actual, now) -> new Planner(ctx.layout, now).plan(desired, actual));
    }

    private boolean confirm() {
        Console console = System.console();
        if (console == null) {
            throw new XsnapExit(ExitCodes.USAGE, "no terminal to confirm on: add --auto-approve to apply unattended");
        }
        String answer = console.readLine("%nApply these changes? Only 'yes' applies: ");
        return "yes".equals(answer == null ? null : answer.strip());
    }
}
