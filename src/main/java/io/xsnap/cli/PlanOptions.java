package io.xsnap.cli;

import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Option;

/** How a plan is shown and where its inputs come from. */
public final class PlanOptions {
    @Option(names = "--json", description = "Print the plan as JSON (schemas/plan-v1.schema.json).")
    public boolean json;

    @Option(names = "--detailed-exitcode", description = "Exit 2 when the plan has changes, 0 when it has none.")
    public boolean detailedExitcode;

    @Option(names = "--state", paramLabel = "FILE",
            description = "Plan from an observed state saved by 'xsnap observe --json' instead of this host.")
    public Path state;

    @Option(names = "--now", paramLabel = "INSTANT", description = "The time to plan at (ISO-8601, e.g. 2026-01-02T03:04:05Z); default: now.")
    public Instant now;
}
