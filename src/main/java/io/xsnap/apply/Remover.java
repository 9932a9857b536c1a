package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StorePaths;
import io.xsnap.plan.Change;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

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
        StorePaths trust = StorePaths.of(ctx.layout(), fresh);
        Path snapshotDir = ctx.layout().snapshotDir(c.domain(), c.snapshot());
        for (Path listed : c.removes()) {
            // the change may come from the journal: its paths are data until they pass here (invariant 8)
            Path p = trust.inStore(listed, ctx.layout().journal(), "a path " + c.address() + " removes");
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (Files.isSymbolicLink(p)) {
                throw new HostException("refusing to delete " + p + ": a symbolic link in the store");
            }
            if (!trust.resolvesInStore(p)) {
                throw new HostException("refusing to delete " + p + ": a link on the way leads it elsewhere than"
                        + " under the store " + ctx.layout().root());
            }
            boolean ownFile = p.startsWith(snapshotDir);
            String why = ownFile ? null : guard.refusal(p, fresh, owner);
            if (why != null) {
                throw new HostException("refusing to delete " + p + ": " + why);
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                List<String> left = StoreFiles.names(p);
                if (!left.isEmpty()) {
                    throw new HostException("cannot remove " + p + ": it holds " + String.join(", ", left)
                            + ", which xsnap did not make; move " + (left.size() == 1 ? "it" : "them")
                            + " out of the store, then run xsnap again");
                }
            }
            ctx.journal().append(new Journal.Entry(c.address(), "remove " + p, c.domain(), ctx.driver().name(), null));
            ctx.reporter().say("  removing " + p);
            Files.delete(p);
        }
    }
}
