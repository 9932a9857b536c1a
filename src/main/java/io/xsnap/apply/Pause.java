package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;

/**
 * A pause xsnap causes, journalled before it happens and ended on every path (invariant 4).
 * Measures the window the guest stood still: from just before the {@code stop} (the save's own, or xsnap's
 * for reflink copies; for a live save, from the moment the hypervisor stopped the guest for the
 * switch-over) until {@code cont} has returned.
 */
final class Pause {
    private final ApplyContext ctx;
    private final DomainInfo domain;
    private final String change;
    private boolean journalled;
    private boolean paused;
    private long startNanos;
    private long resumedByStep = -1;

    Pause(ApplyContext ctx, DomainInfo domain, String change) {
        this.ctx = ctx;
        this.domain = domain;
        this.change = change;
    }

    /** Pauses the domain now (a disk-only snapshot that copies raw disks by reflink). */
    void pause() {
        expect(true);
        ctx.reporter().say("  pausing " + domain.name());
        paused = true;
        startNanos = System.nanoTime();
        ctx.driver().pause(domain);
    }

    /** The next step will leave the domain paused (a memory save): journal it before it runs. */
    void expect(boolean willPause) {
        if (willPause && !journalled) {
            ctx.journal().append(new Journal.Entry(change, Journal.Steps.PAUSE, domain.name(), ctx.driver().name(), "resume"));
            journalled = true;
        }
    }

    /**
     * The step that pauses the domain by itself (a memory save) has just returned.
     *
     * @param stoppedAtNanos when it stopped the guest ({@link System#nanoTime()}), or -1 when it did not say:
     *                       then the pause is counted from now, which undercounts
     */
    void startedAt(long stoppedAtNanos) {
        paused = true;
        startNanos = stoppedAtNanos >= 0 ? stoppedAtNanos : System.nanoTime();
    }

    /**
     * The hypervisor resumed the domain by itself during the step (a background memory save resumes the
     * guest once its RAM is write-protected): the pause ended then, and {@link #resume} only closes it.
     */
    void resumedAt(long resumedAtNanos) {
        if (paused) {
            resumedByStep = Math.max(0, (resumedAtNanos - startNanos) / 1_000_000);
        }
    }

    /** Resumes a domain this pause stopped; @return the pause in ms, or -1 when it never paused. */
    long resume() {
        if (paused && resumedByStep >= 0) {
            long ms = resumedByStep;
            paused = false;
            resumedByStep = -1;
            ctx.journal().append(new Journal.Entry(change, Journal.Steps.RESUME, domain.name(), ctx.driver().name(), null));
            journalled = false;
            ctx.reporter().say("  " + domain.name() + " was resumed by the save after " + ms + " ms");
            return ms;
        }
        if (!paused && journalled) {
            // journalled for a step that failed before it paused: the domain may still be paused by it
            ctx.driver().resume(domain);
            ctx.journal().append(new Journal.Entry(change, Journal.Steps.RESUME, domain.name(), ctx.driver().name(), null));
            journalled = false;
            return -1;
        }
        if (!paused) {
            return -1;
        }
        ctx.driver().resume(domain);
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        paused = false;
        ctx.journal().append(new Journal.Entry(change, Journal.Steps.RESUME, domain.name(), ctx.driver().name(), null));
        journalled = false;
        ctx.reporter().say("  resumed " + domain.name() + " after " + ms + " ms");
        return ms;
    }

    /** On a failure path: resume, and say loudly if even that fails (the journal keeps the pause open). */
    void resumeQuietly() {
        try {
            resume();
        } catch (HostException e) {
            ctx.reporter().say("  COULD NOT RESUME " + domain.name() + ": " + e.getMessage()
                    + " (the journal keeps it; the next xsnap run retries)");
        }
    }
}
