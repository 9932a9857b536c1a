package io.xsnap.cli;

import io.xsnap.apply.Reconciler;
import io.xsnap.plan.Fingerprint;
import io.xsnap.plan.Planner;
import io.xsnap.plan.SavedPlan;
import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import java.io.Console;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xsnap apply}: make the host match the specs. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Show the plan, then make the host match the specs. Without a terminal it needs --auto-approve.",
            "With a single FILE saved by 'xsnap plan --out FILE', apply exactly that plan, and refuse (exit 76) "
                    + "if the host changed since it was made."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (or nothing to do)", "1:error, or a change failed", "64:usage", "65:invalid spec",
            "66:missing input", "75:another xsnap run holds the lock", "76:refused (e.g. needs --force)"})
public final class ApplyCommand extends ChangeCommand {
    @Option(names = "--auto-approve", description = "Apply without asking.")
    boolean autoApprove;

    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Spec files or directories, or one saved plan.")
    List<Path> specs;

    @Override
    public Integer call() throws SpecException, java.io.IOException {
        HostContext ctx = new HostContext(host);
        SavedPlan saved = specs.size() == 1 ? savedPlan(ctx, specs.get(0)) : null;
        if (saved != null) {
            return new ChangeRun(ctx, apply, spec.commandLine()).run(Reconciler.Goal.change((actual, now) -> {
                String fingerprint = Fingerprint.of(actual);
                if (!fingerprint.equals(saved.fingerprint())) {
                    throw new XsnapExit(ExitCodes.REFUSED, "the host changed since the plan in " + specs.get(0)
                            + " was made (fingerprint " + saved.fingerprint().substring(0, 12) + ", now "
                            + fingerprint.substring(0, 12) + "): make a new plan");
                }
                return saved.plan();
            }), plan -> autoApprove || confirm());
        }
        Desired desired = new SpecLoader().load(specs);
        desired.domains().forEach(d -> d.xlConfig().ifPresent(f -> ctx.xlConfig(d.domain(), f)));
        return new ChangeRun(ctx, apply, spec.commandLine()).run(
                Reconciler.Goal.specs((actual, now) -> new Planner(ctx.layout, now).plan(desired, actual)),
                plan -> autoApprove || confirm());
    }

    /** The saved plan in {@code file} ({@code plan --out}), or null when the file is a spec. */
    private static SavedPlan savedPlan(HostContext ctx, Path file) throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        String text = java.nio.file.Files.readString(file).stripLeading();
        if (!text.startsWith("{") || !text.contains(SavedPlan.KIND)) {
            return null;
        }
        try {
            SavedPlan saved = ctx.json().readValue(text, SavedPlan.class);
            return SavedPlan.KIND.equals(saved.kind()) ? saved : null;
        } catch (tools.jackson.core.JacksonException e) {
            throw new XsnapExit(ExitCodes.DATAERR, file + ": not a plan saved by 'xsnap plan --out': " + e.getOriginalMessage());
        }
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
