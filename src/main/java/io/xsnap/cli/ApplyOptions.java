package io.xsnap.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of every command that changes the host. */
public final class ApplyOptions {
    @Option(names = "--lock-timeout", paramLabel = "DURATION", defaultValue = "PT30S", converter = DurationConverter.class,
            description = "How long to wait for another xsnap run to finish (e.g. 30s, 5m; default 30s).")
    public Duration lockTimeout;

    @Option(names = "--json", description = "Print the plan and the results as JSON.")
    public boolean json;

    @Option(names = "--now", paramLabel = "INSTANT",
            description = "The time to plan and record at (ISO-8601, e.g. 2026-01-02T03:04:05Z), for previews and tests;"
                    + " default: now.")
    public java.time.Instant now;

    /** The clock of this run: fixed at --now when given. */
    public java.time.Clock clock() {
        return now == null ? java.time.Clock.systemUTC() : java.time.Clock.fixed(now, java.time.ZoneOffset.UTC);
    }
}
