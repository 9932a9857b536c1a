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

    /** @return the domains resumed */
    public List<String> resumeLeftPaused() {
        List<Journal.Entry> open = ctx.journal().pausedAndNotResumed();
        if (open.isEmpty()) {
            return List.of();
        }
        List<DomainInfo> domains = ctx.driver().list();
        java.util.ArrayList<String> resumed = new java.util.ArrayList<>();
        for (Journal.Entry e : open) {
            DomainInfo d = domains.stream().filter(x -> x.name().equals(e.domain())).findFirst().orElse(null);
            if (d != null && d.state().active()) {
                try {
                    if (ctx.driver().endMemorySave(d)) {
                        ctx.reporter().say("recovery: ended the memory save an interrupted run left in " + d.name()
                                + " (" + e.change() + ")");
                    }
                } catch (HostException ex) {
                    ctx.reporter().say("recovery: could not end the memory save in " + d.name() + ": " + ex.getMessage());
                }
            }
            if (d != null && d.state() == RunState.PAUSED) {
                ctx.reporter().say("recovery: resuming " + d.name() + ", left paused by an interrupted run (" + e.change() + ")");
                try {
                    ctx.driver().resume(d);
                    resumed.add(d.name());
                } catch (HostException ex) {
                    ctx.reporter().say("recovery: could not resume " + d.name() + ": " + ex.getMessage());
                    continue;
                }
            }
            ctx.journal().append(new Journal.Entry(e.change(), Journal.Steps.RESUMED, e.domain(), e.driver(), null));
        }
        return resumed;
    }

    /** Runs one RECOVER change: what it says, checked against the host as it is now. */
    long run(Change c, Actual actual) throws IOException {
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
                switch (original.action()) {
                    case CREATE -> new Creator(ctx).finish(original, i);
                    case REVERT -> new Reverter(ctx).finish(original, actual, i.began(Step.STARTED));
                    case DELETE -> new Deleter(ctx).finish(c, actual, Step.DONE);
                    default -> throw new IllegalStateException(original.action().toString());
                }
            }
            default -> throw new IllegalStateException(c.recovers().outcome().toString());
        }
        return -1;
    }
}
