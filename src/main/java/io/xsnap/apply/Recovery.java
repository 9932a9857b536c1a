package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import java.util.List;

/** What a run does first: resume every domain a crashed run left paused (invariant 4). */
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
}
