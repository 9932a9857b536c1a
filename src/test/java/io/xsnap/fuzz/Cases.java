package io.xsnap.fuzz;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Seeded random cases for property tests: {@code xsnap.fuzz.tries} per property (1,500 in ./ci/test.sh,
 * 100,000 with -Pnightly); case {@code i} uses seed {@code base + i}, a failure names its seed, and
 * {@code -Dxsnap.fuzz.seed=S -Dxsnap.fuzz.tries=1} replays it. Counts what ran, so a test can prove it.
 */
public final class Cases {
    public static final int TRIES = Integer.getInteger("xsnap.fuzz.tries", 1500);
    private final long baseSeed = Long.getLong("xsnap.fuzz.seed", new Random().nextLong());
    private final Map<String, AtomicInteger> ran = new ConcurrentHashMap<>();

    public long baseSeed() {
        return baseSeed;
    }

    /** Runs {@code body} for each case of {@code property}. */
    public void forAll(String property, Consumer<Random> body) {
        for (int i = 0; i < TRIES; i++) {
            long seed = baseSeed + i;
            ran.computeIfAbsent(property, k -> new AtomicInteger()).incrementAndGet();
            try {
                body.accept(new Random(seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(property + ": case seed " + seed + " (replay with -Dxsnap.fuzz.seed="
                        + seed + " -Dxsnap.fuzz.tries=1): " + e.getMessage(), e);
            }
        }
    }

    /** Fails unless each named property ran all its cases; @return a line saying what ran. */
    public String assertRan(String... properties) {
        for (String p : properties) {
            int n = ran.getOrDefault(p, new AtomicInteger()).get();
            if (n < TRIES) {
                throw new AssertionError(p + ": " + n + " cases ran, " + TRIES + " expected");
            }
        }
        return ran + " cases, base seed " + baseSeed;
    }
}
