package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import io.xsnap.plan.Interrupted;
import io.xsnap.plan.Interrupted.Step;
import java.io.IOException;
import java.util.List;

/**
 * What a run does first: resume every domain a crashed run left paused (invariant 4); then, as the plan's
 * RECOVER changes, finish or undo the changes the journal shows half done ({@link #run}).
 */
public final class Recovery {
    private final ApplyContext ctx;

    public Recovery(ApplyContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Settles every memory save an interrupted run left in flight (a domain it paused, or whose memory it
     * began to save), then resumes every domain it left paused. A domain that cannot be resumed keeps its
     * journal entry and fails the run: recovery never reports success over a domain it left stopped.
     *
     * @return the domains resumed
     */
    public List<String> resumeLeftPaused() {
        List<Journal.Entry> open = ctx.journal().pausedAndNotResumed();
        java.util.Set<String> saving = new java.util.TreeSet<>();
        for (Interrupted i : ctx.journal().interrupted()) {
            if (i.change() != null && i.change().action() == io.xsnap.plan.Action.CREATE && i.began(Step.SAVE)) {
                saving.add(i.domain());
            }
            if (i.change() != null && i.change().action() == io.xsnap.plan.Action.REVERT && i.began(Step.START)
                    && !i.began(Step.STARTED)) {
                // killed while the hypervisor started the domain: let that start end before anything is observed
                ctx.driver().awaitStarting(i.domain());
                saving.add(i.domain());
            }
        }
        if (open.isEmpty() && saving.isEmpty()) {
            return List.of();
        }
        open.forEach(e -> saving.add(e.domain()));
        for (DomainInfo d : ctx.driver().list()) {
            if (saving.contains(d.name())) {
                String settled = ctx.driver().settleMigration(d);
                if (settled != null) {
                    ctx.reporter().say("recovery: " + d.name() + ": " + settled);
                }
            }
        }
        List<DomainInfo> domains = ctx.driver().list();
        java.util.ArrayList<String> resumed = new java.util.ArrayList<>();
        java.util.ArrayList<String> failed = new java.util.ArrayList<>();
        for (Journal.Entry e : open) {
            DomainInfo d = domains.stream().filter(x -> x.name().equals(e.domain())).findFirst().orElse(null);
            if (d != null && d.state() == RunState.PAUSED) {
                ctx.reporter().say("recovery: resuming " + d.name() + ", left paused by an interrupted run (" + e.change() + ")");
                try {
                    ctx.driver().resume(d);
                    resumed.add(d.name());
                } catch (HostException ex) {
                    ctx.reporter().say("recovery: could not resume " + d.name() + ": " + ex.getMessage());
                    failed.add(d.name() + ": " + ex.getMessage());
                    continue;
                }
            }
            ctx.journal().append(new Journal.Entry(e.change(), Journal.Steps.RESUMED, e.domain(), e.driver(), null));
        }
        if (!failed.isEmpty()) {
            throw new HostException("recovery could not resume what an interrupted run paused ("
                    + String.join("; ", failed) + "); the journal keeps the pause, the next run tries again");
        }
        return resumed;
    }

    /** Runs one RECOVER change: what it says, checked against the host as it is now. */
    long run(Change.Recover c, Actual actual) throws IOException {
        Interrupted i = ctx.journal().interrupted().stream().filter(x -> x.address().equals(c.address())).findFirst()
                .orElse(null);
        String driver = ctx.driver().name();
        if (i != null && i.pauseOpen()) {
            resumeLeftPaused();
            actual = ctx.observer().observe();
        }
        Change original = i == null ? null : i.change();
        switch (c.recovers().outcome()) {
            case RESUME, CLOSE -> ctx.journal().append(new Journal.Entry(c.address(), Step.CLOSED, c.domain(), driver, null));
            case UNDO -> new Deleter(ctx).finish(c, actual, Step.UNDONE);
            case FINISH -> {
                if (original == null) {
                    throw new HostException("the journal no longer holds the interrupted change " + c.address());
                }
                // only a create, a revert and a delete are finished (see RecoveryPlanner)
                if (original instanceof Change.Create create) {
                    new Creator(ctx).finish(create, i);
                } else if (original instanceof Change.Revert revert) {
                    new Reverter(ctx).finish(revert, actual, i.began(Step.STARTED));
                } else if (original instanceof Change.Delete) {
                    new Deleter(ctx).finish(c, actual, Step.DONE);
                } else {
                    throw new IllegalStateException(original.action().toString());
                }
            }
            default -> throw new IllegalStateException(c.recovers().outcome().toString());
        }
        return -1;
    }
}
