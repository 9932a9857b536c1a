package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.TrustedState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StorePaths;
import io.xsnap.plan.Action;
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
            if (listed != null && !ctx.layout().contains(listed)
                    && (outsideMemory(c, listed) || outsideLayer(c, listed, fresh, owner))) {
                continue;
            }
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

    /**
     * The one file outside the store a change may remove: its snapshot's memory file, when the driver's trusted state
     * records that xsnap made exactly that file for exactly that snapshot ({@link TrustedState.MadeFile}); it is
     * removed (a regular file, reached through safe directories only) and its record forgotten. An undone create's
     * memory file without that record is left where it is (someone else's file took the name first). Else false:
     * the path is refused as any other outside the store.
     */
    private boolean outsideMemory(Change c, Path listed) throws IOException {
        TrustedState state = ctx.driver().trustedState();
        TrustedState.MadeFile vouched = state == null ? null : state.memory(c.domain(), c.snapshot()).orElse(null);
        if (vouched == null || !vouched.file().equals(listed)) {
            boolean undoneSave = c.action() == Action.RECOVER && c.recovers().action() == Action.CREATE
                    && listed.equals(c.memoryFile());
            if (undoneSave) {
                ctx.reporter().say("  leaving " + listed + ": no record says xsnap made it");
            }
            return undoneSave;
        }
        if (Files.exists(listed, LinkOption.NOFOLLOW_LINKS)) {
            String unsafe = MemoryFile.unsafeDirectory(listed);
            if (!Files.isRegularFile(listed, LinkOption.NOFOLLOW_LINKS) || unsafe != null) {
                throw new HostException("refusing to delete " + listed + ": " + (unsafe != null ? unsafe
                        : "it is no longer a regular file"));
            }
            ctx.journal().append(new Journal.Entry(c.address(), "remove " + listed, c.domain(), ctx.driver().name(), null));
            ctx.reporter().say("  removing " + listed);
            Files.delete(listed);
        }
        state.forgetMemory(c.domain(), c.snapshot());
        return true;
    }

    /**
     * A layer outside the store an undone create made (a cfgfile's disk path): removed only when the driver's trusted
     * state records that xsnap made exactly that file for exactly that snapshot ({@link TrustedState.MadeFile}), and
     * {@link RemovalGuard} agrees nothing uses it; its record is then forgotten. Without the record the file is left
     * where it is (the create stopped before it made it, or another file took the name). Else false.
     */
    private boolean outsideLayer(Change c, Path listed, Actual fresh, String owner) throws IOException {
        boolean undoneCreate = c.action() == Action.RECOVER && c.recovers().action() == Action.CREATE
                && c.disks().stream().anyMatch(d -> listed.equals(d.layer()));
        if (!undoneCreate) {
            return false;
        }
        TrustedState state = ctx.driver().trustedState();
        TrustedState.MadeFile vouched = state == null ? null : state.layer(c.domain(), listed)
                .filter(r -> r.snapshot().equals(c.snapshot())).orElse(null);
        if (vouched == null) {
            ctx.reporter().say("  leaving " + listed + ": no record says xsnap made it");
            return true;
        }
        if (Files.exists(listed, LinkOption.NOFOLLOW_LINKS)) {
            String unsafe = MemoryFile.unsafeDirectory(listed);
            String why = !Files.isRegularFile(listed, LinkOption.NOFOLLOW_LINKS) ? "it is no longer a regular file"
                    : unsafe != null ? unsafe : guard.refusalOfMadeLayer(listed, fresh, owner);
            if (why != null) {
                throw new HostException("refusing to delete " + listed + ": " + why);
            }
            ctx.journal().append(new Journal.Entry(c.address(), "remove " + listed, c.domain(), ctx.driver().name(), null));
            ctx.reporter().say("  removing " + listed);
            Files.delete(listed);
        }
        state.forgetLayer(c.domain(), listed);
        return true;
    }
}
