package io.xsnap.bench;

import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.StateReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One cold read of a state file, as {@code xsnap plan --state} does it in a fresh JVM: with the streaming
 * {@link StateReader} ({@code reader}) or with the data-binding mapper ({@code mapper}, {@code Json.mapper()
 * .readValue(bytes, Actual.class)}). Prints the milliseconds of the read alone (file bytes already in memory)
 * and the domains read. bench/state-reader.sh runs both in turn.
 */
public final class ReadState {
    private ReadState() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[0].matches("reader|mapper")) {
            System.err.println("usage: ReadState reader|mapper STATE.json");
            System.exit(64);
        }
        byte[] bytes = Files.readAllBytes(Path.of(args[1]));
        long t0 = System.nanoTime();
        Actual a = args[0].equals("reader") ? StateReader.actual(bytes) : Json.mapper().readValue(bytes, Actual.class);
        long t1 = System.nanoTime();
        System.out.printf("%.1f %d%n", (t1 - t0) / 1e6, a.domains().size());
    }
}
