package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Deletes a clone: destroys it when it runs, then removes exactly the files its plan lists (its own overlays, record,
 * start config and current-snapshot marker) through the
 * removal guard (invariant 2), and its directories when they are left empty. The files beneath stay.
 */
final class CloneDeleter {
    private final ApplyContext ctx;

    CloneDeleter(ApplyContext ctx) {
        this.ctx = ctx;
    }

    long run(Change.DeleteClone c, Actual actual) throws IOException {
        DomainInfo dom = actual.domains().stream().filter(d -> d.name().equals(c.domain())).findFirst().orElse(null);
        if (dom != null && dom.state().active()) {
            ctx.reporter().say("  destroying " + c.domain());
            ctx.driver().destroy(dom);
        }
        new Remover(ctx).remove(c, c.address());
        for (Path dir : new Path[] {ctx.layout().layersDir(c.domain()), ctx.layout().domainDir(c.domain())}) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException e) {
                // other files of the domain's stay, and so does the directory
            }
        }
        return -1;
    }
}
