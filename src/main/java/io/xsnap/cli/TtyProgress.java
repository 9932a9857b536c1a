package io.xsnap.cli;

import io.xsnap.host.Progress;
import java.io.PrintWriter;

/** Progress on a terminal: one line per operation, rewritten in place at most five times a second. */
final class TtyProgress implements Progress {
    private final PrintWriter err;
    private String current;
    private long lastNanos;

    TtyProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void update(String what, long done, long total) {
        boolean finished = total > 0 && done >= total;
        long now = System.nanoTime();
        if (what.equals(current) && !finished && now - lastNanos < 200_000_000L) {
            return;
        }
        if (current != null && !what.equals(current)) {
            err.println();
        }
        current = finished ? null : what;
        lastNanos = now;
        String amount = total > 0 ? (100 * done / total) + "% of " + ListCommand.human(total) : ListCommand.human(done);
        err.print("\r  " + what + ": " + amount + (finished ? "\n" : ""));
        err.flush();
    }
}
