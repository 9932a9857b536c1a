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
}
