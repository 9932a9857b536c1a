package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import io.xsnap.plan.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a plan's changes one at a time, re-checking each change's preconditions against a fresh observation
 * just before it runs, and stops at the first failure. The caller holds the host lock.
 *
 * <p>Each kind of change has its executor step, chosen by a {@link Change.Visitor} over the sealed {@link Change}
 * records ({@code Steps} below): Java 17 has pattern matching for {@code switch} only as a preview, and the visitor
 * makes the compiler ask for the step of every new record. {@link Preconditions} chooses with {@code instanceof}
 * patterns.
 */
public final class Executor {
    private final ApplyContext ctx;
    private final Preconditions preconditions;
    private final Creator creator;
    private final Reverter reverter;
    private final Deleter deleter;
    private final Recovery recovery;
    private final Cloner cloner;
    private final CloneDeleter cloneDeleter;
    private final Backupper backupper;

    public Executor(ApplyContext ctx) {
        this.ctx = ctx;
        this.preconditions = new Preconditions(ctx.layout());
        this.creator = new Creator(ctx);
        this.reverter = new Reverter(ctx);
        this.deleter = new Deleter(ctx);
        this.recovery = new Recovery(ctx);
        this.cloner = new Cloner(ctx);
        this.cloneDeleter = new CloneDeleter(ctx);
        this.backupper = new Backupper(ctx);
    }

    /** Applies the plan; every change that ran has a result, the failed one last. */
    public List<ChangeResult> apply(Plan plan) {
        return apply(plan, null);
    }

    /** The same, telling {@code listener} (when not null) as each change starts and ends. */
    public List<ChangeResult> apply(Plan plan, RunListener listener) {
        if (plan.hasErrors()) {
            throw new IllegalArgumentException("a plan with errors is never applied");
        }
        List<ChangeResult> results = new ArrayList<>();
        for (Change change : plan.changes()) {
            long start = System.nanoTime();
            if (listener != null) {
                listener.changeStarted(change);
            }
            ctx.reporter().say(change.action().symbol() + " " + change.action().word() + " " + change.address() + " ...");
            ChangeResult result;
            try {
                Actual now = ctx.observer().observe();
                List<String> problems = preconditions.check(change, now);
                if (!problems.isEmpty()) {
                    throw new HostException("the host changed since the plan was made: " + String.join("; ", problems));
                }
                io.xsnap.host.DomainInfo changed = anchored(change, now);
                Creator.Taken taken = change.accept(new Steps(now));
                if (changed != null) {
                    ctx.driver().forgetAnchor(changed.name());
                }
                long pause = taken.pauseMillis();
                result = new ChangeResult(change, true, pause, taken.downtimeMillis(), millisSince(start), null,
                        taken.memorySave() == null ? null : taken.memorySave().word(), taken.saveMillis());
                ctx.reporter().say("  done in " + result.millis() + " ms" + (pause >= 0 ? ", domain paused " + pause + " ms" : "")
                        + (taken.downtimeMillis() >= 0 ? " (QEMU's downtime " + taken.downtimeMillis() + " ms)" : "")
                        + (result.memorySave() == null ? "" : ", memory saved " + result.memorySave() + " in "
                        + result.saveMillis() + " ms"));
            } catch (HostException | UncheckedIOException e) {
                result = new ChangeResult(change, false, -1, -1, millisSince(start), e.getMessage());
            } catch (java.nio.file.FileSystemException e) {
                // a file of the store that could not be changed: name it and the reason, not the exception class
                result = new ChangeResult(change, false, -1, -1, millisSince(start), e.getFile() + ": "
                        + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()
                        .replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT))
                        + (e.getOtherFile() != null ? " (" + e.getOtherFile() + ")" : ""));
            } catch (IOException e) {
                result = new ChangeResult(change, false, -1, -1, millisSince(start), e.toString());
            }
            results.add(result);
            if (!result.ok()) {
                ctx.reporter().say("  failed: " + result.error());
                forgetAnchorIfRunning(change.domain());
            }
            if (listener != null) {
                listener.changeEnded(result);
            }
            if (!result.ok()) {
                break;
            }
        }
        return results;
    }

    /**
     * The one executor step per kind of change (a {@link Change.Visitor}: Java 17 has no pattern matching for
     * {@code switch} outside preview, and the visitor makes the compiler ask for the step of a new kind of change).
     */
    private final class Steps implements Change.Visitor<Creator.Taken, IOException> {
        private final Actual now;

        Steps(Actual now) {
            this.now = now;
        }

        @Override
        public Creator.Taken create(Change.Create c) throws IOException {
            return creator.run(c, now);
        }

        @Override
        public Creator.Taken revert(Change.Revert c) throws IOException {
            return Creator.Taken.paused(reverter.run(c, now));
        }

        @Override
        public Creator.Taken delete(Change.Delete c) throws IOException {
            return Creator.Taken.paused(deleter.run(c, now));
        }

        @Override
        public Creator.Taken recover(Change.Recover c) throws IOException {
            return Creator.Taken.paused(recovery.run(c, now));
        }

        @Override
        public Creator.Taken clone(Change.Clone c) throws IOException {
            return Creator.Taken.paused(cloner.run(c, now));
        }

        @Override
        public Creator.Taken deleteClone(Change.DeleteClone c) throws IOException {
            return Creator.Taken.paused(cloneDeleter.run(c, now));
        }

        @Override
        public Creator.Taken backup(Change.Backup c) throws IOException {
            return Creator.Taken.paused(backupper.run(c, now));
        }
    }

    /**
     * A create, delete, backup or revert changes a running domain: the driver records the domain first, so that if the
     * domain vanishes meanwhile (its QEMU killed) recovery can still hold the journal's paths against what the driver
     * saw. The record is forgotten once the change ends with the domain running on. (A revert's stop records it again.)
     *
     * @return the domain recorded, or null
     */
    private io.xsnap.host.DomainInfo anchored(Change change, Actual now) {
        if (change.action() != io.xsnap.plan.Action.CREATE && change.action() != io.xsnap.plan.Action.DELETE
                && change.action() != io.xsnap.plan.Action.BACKUP && change.action() != io.xsnap.plan.Action.REVERT) {
            return null;
        }
        io.xsnap.host.DomainInfo d = now.domains().stream().filter(x -> x.name().equals(change.domain())).findFirst()
                .orElse(null);
        if (d != null && d.state().active()) {
            ctx.driver().recordAnchor(d);
            return d;
        }
        return null;
    }

    /**
     * After a failed change: a domain that still runs needs no record (its chain is observed), and a stale one would
     * vouch for its files after it is stopped outside xsnap. A domain that is gone keeps its record for recovery.
     */
    private void forgetAnchorIfRunning(String domain) {
        try {
            if (ctx.driver().list().stream().anyMatch(d -> d.name().equals(domain) && d.state().active())) {
                ctx.driver().forgetAnchor(domain);
            }
        } catch (HostException e) {
            // the record stays: recovery holds the journal against it
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
