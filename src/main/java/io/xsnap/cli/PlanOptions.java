package io.xsnap.cli;

import java.nio.file.Path;
import java.time.Instant;
import io.xsnap.render.JsonPlanView;
import io.xsnap.render.MarkdownPlanView;
import io.xsnap.render.PlanView;
import io.xsnap.render.TextPlanView;
import picocli.CommandLine.Option;

/** How a plan is shown and where its inputs come from. */
public final class PlanOptions {
    @Option(names = "--json", description = "Print the plan as JSON (schemas/plan-v1.schema.json); same as --format json.")
    public boolean json;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), json, or markdown (for pull request comments).")
    public Format format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Also save the plan with the fingerprint of the state it was made from; 'xsnap apply FILE' "
                    + "runs exactly it, and refuses if the host changed since.")
    public Path out;

    /** How the plan is printed. */
    public enum Format { TEXT, JSON, MARKDOWN }

    /** The view for the chosen format; {@code mapper} is asked only for JSON. */
    public PlanView view(java.util.function.Supplier<tools.jackson.databind.json.JsonMapper> mapper) {
        return switch (json ? Format.JSON : format) {
            case JSON -> new JsonPlanView(mapper.get());
            case MARKDOWN -> new MarkdownPlanView();
            case TEXT -> new TextPlanView();
        };
    }

    @Option(names = "--detailed-exitcode", description = "Exit 2 when the plan has changes, 0 when it has none.")
    public boolean detailedExitcode;

    @Option(names = "--state", paramLabel = "FILE",
            description = "Plan from an observed state saved by 'xsnap observe --json' instead of this host.")
    public Path state;

    @Option(names = "--now", paramLabel = "INSTANT", description = "The time to plan at (ISO-8601, e.g. 2026-01-02T03:04:05Z); default: now.")
    public Instant now;
}
