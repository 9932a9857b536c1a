package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Deletes exactly the paths a change listed in {@code removes} (invariant 5), each image only after
 * {@link RemovalGuard} agreed against a fresh observation (invariant 2).
 */
final class Remover {
    private final ApplyContext ctx;
    private final RemovalGuard guard;

    Remover(ApplyContext ctx) {
        this.ctx = ctx;
        this.guard = new RemovalGuard(ctx.layout());
    }

    void remove(Change c, String owner) throws IOException {
        if (c.removes().isEmpty()) {
            return;
        }
        Actual fresh = ctx.observer().observe();
        Path snapshotDir = ctx.layout().snapshotDir(c.domain(), c.snapshot());
        for (Path p : c.removes()) {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (Files.isSymbolicLink(p)) {
                throw new HostException("refusing to delete " + p + ": a symbolic link in the store");
            }
            boolean ownFile = p.startsWith(snapshotDir);
            String why = ownFile ? null : guard.refusal(p, fresh, owner);
            if (why != null) {
                throw new HostException("refusing to delete " + p + ": " + why);
            }
            ctx.journal().append(new Journal.Entry(c.address(), "remove " + p, c.domain(), ctx.driver().name(), null));
            ctx.reporter().say("  removing " + p);
            Files.delete(p);
        }
    }
}
