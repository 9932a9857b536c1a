package io.xsnap.apply;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.MemorySave;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.TrustedState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Interrupted;
import io.xsnap.plan.Interrupted.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes one snapshot: overlays first, then (memory) pause → save, then one transaction for every disk (raw
 * disks QEMU does not serve are copied by reflink, the domain paused for it), resume, manifest last. Every step is journalled before it runs. Whatever fails, a domain this class
 * paused is resumed; until the transaction succeeded, everything made for the snapshot is removed again.
 * {@link #finish} completes a snapshot whose disks an interrupted run had cut.
 */
final class Creator {
    private final ApplyContext ctx;

    Creator(ApplyContext ctx) {
        this.ctx = ctx;
    }

    /**
     * How a snapshot was taken.
     *
     * @param pauseMillis    how long the domain stood still, or -1 when it was not paused
     * @param downtimeMillis a live save: the hypervisor's measure of the switch-over, else -1
     * @param memorySave     how memory was saved, or null when it was not
     * @param saveMillis     the memory save from its start until the file was complete and fsynced, or -1
     */
    record Taken(long pauseMillis, long downtimeMillis, MemorySave.Way memorySave, long saveMillis) {
        /** A change that may pause the domain but saves no memory (revert, delete, ...): no downtime to report. */
        static Taken paused(long pauseMillis) {
            return new Taken(pauseMillis, -1, null, -1);
        }
    }

    Taken run(Change c, Actual actual) throws IOException {
        DomainInfo domain = actual.domains().stream().filter(d -> d.name().equals(c.domain())).findFirst().orElseThrow();
        StoreLayout layout = ctx.layout();
        Path dir = layout.snapshotDir(c.domain(), c.snapshot());
        RestartRecipe recipe = ctx.driver().restartRecipe(domain);
        String parent = CurrentMarker.read(layout, c.domain());
        String driver = ctx.driver().name();
        Journal journal = ctx.journal();
        Path memFile = c.memory() ? memoryFile(c, false) : null;
        checkSpace(c, domain, dir, memFile);
        journal.begin(c, driver, recipe, parent);
        StoreFiles.ensureDir(layout.domainDir(c.domain()));
        journal.step(c, driver, Step.MKDIR, "remove " + dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<Path> overlays = new ArrayList<>();
        boolean cut = false;
        // the disks may be cut: a memory save began (it cuts them inside, and may fail after), or the transaction returned
        boolean mayBeCut = false;
        Pause pause = new Pause(ctx, domain, c.address());
        MemorySave save = MemorySave.of(0);
        long saveStart = -1;
        try {
            List<DiskCut> cuts = new ArrayList<>();
            for (DiskChange d : c.disks()) {
                if (DiskChange.INTERNAL.equals(d.mode())) {
                    cuts.add(new DiskCut(domain.disk(d.vdev()), true, d.tag(), null));
                } else if (DiskChange.EXTERNAL.equals(d.mode())) {
                    StoreFiles.ensureDir(d.layer().getParent());
                    journal.step(c, driver, Step.OVERLAY + " " + d.vdev(), "remove " + d.layer());
                    if (!layout.contains(d.layer()) && ctx.driver().trustedState() != null) {
                        // a layer outside the store (a cfgfile's disk path): recorded before it exists, so the
                        // snapshots whose files it holds stay vouched once a revert takes it out of the chain
                        ctx.driver().trustedState().recordMade(TrustedState.MadeFile.layer(c.domain(), c.snapshot(),
                                d.layer()));
                    }
                    overlays.add(d.layer());
                    if (!d.reflinkCopy()) {
                        ctx.qemuImg().createOverlay(d.layer(), d.image().toString(), d.format());
                        StoreFiles.makePrivate(d.layer());
                    }
                    cuts.add(new DiskCut(domain.disk(d.vdev()), false, null, d.layer()));
                }
            }
            boolean running = domain.state() == RunState.RUNNING;
            String cutUndo = "delete the internal snapshots, commit the overlays back (or finish: write the manifest)";
            if (memFile != null) {
                // the save stops the guest itself (at its start, or live at its end): journal the pause first
                pause.expect(running);
                if (c.live()) {
                    ctx.reporter().say("  saving memory live to " + memFile + (cuts.isEmpty() ? "" : ", cutting "
                            + cuts.size() + " disk(s) at the same instant"));
                } else {
                    if (running) {
                        ctx.reporter().say("  pausing " + domain.name());
                    }
                    ctx.reporter().say("  saving memory to " + memFile + (cuts.isEmpty() ? "" : ", cutting "
                            + cuts.size() + " disk(s) in one transaction"));
                }
                if (c.memoryFile() != null) {
                    // vouched before it exists: recovery removes this file after a crash, and no other
                    ctx.driver().trustedState().recordMade(TrustedState.MadeFile.memory(c.domain(), c.snapshot(),
                            memFile, -1, null));
                }
                journal.step(c, driver, Step.SAVE, cutUndo);
                mayBeCut = true;
                saveStart = System.nanoTime();
                save = ctx.driver().saveMemoryAndSnapshotDisks(domain, memFile, c.live(), cuts);
                if (running) {
                    pause.startedAt(save.stoppedAtNanos());
                    if (save.resumedAtNanos() >= 0) {
                        pause.resumedAt(save.resumedAtNanos());
                    }
                }
                if (c.live()) {
                    ctx.reporter().say("  memory saved " + switch (save.way()) {
                        case BACKGROUND -> "in the background: the memory of the instant the disks were cut";
                        case PRE_COPY -> "with pre-copy: the memory of the end of the copy, when the disks were cut";
                        case STOPPED -> "while the guest stood still";
                    });
                }
            } else if (!cuts.isEmpty()) {
                boolean copies = c.disks().stream().anyMatch(DiskChange::reflinkCopy);
                if (copies && running) {
                    pause.pause();
                }
                ctx.reporter().say("  cutting " + cuts.size() + " disk(s) in one transaction"
                        + (copies ? " (raw disks copied by reflink)" : ""));
                // one transaction: when it fails, nothing was cut
                journal.step(c, driver, Step.CUT, cutUndo);
                ctx.driver().snapshotDisks(domain, cuts);
                mayBeCut = true;
            }
            cut = true;
            journal.step(c, driver, Step.CUT_DONE, "finish: write the manifest",
                    ctx.json().createObjectNode().put("bytes", save.bytes()));
        } catch (RuntimeException | IOException e) {
            pause.resumeQuietly();
            if (c.memoryFile() != null && MemoryFile.Exists.in(e)) {
                // another file took the name first: it is not this save's, and nothing may remove it as such
                ctx.driver().trustedState().forgetMemory(c.domain(), c.snapshot());
            }
            if (mayBeCut && !cut) {
                // the save may have cut the disks before it failed (QEMU cuts inside the migration, before its
                // switch-over): what the host shows decides, as after a crash
                undoCut(c, e);
            } else if (!cut && undo(c, overlays, dir)) {
                journal.step(c, driver, Step.UNDONE, null);
            }
            throw e;
        }
        long paused = pause.resume();
        long saveMillis = -1;
        try {
            if (memFile != null) {
                // durable before the manifest names it; after the resume, so the guest never waits for the disk. A
                // failure here (a full disk found at writeback) is a failed save: the cut is taken back. Timed as
                // part of the save.
                StoreFiles.sync(memFile);
                saveMillis = (System.nanoTime() - saveStart) / 1_000_000;
            }
            finish(c, recipe, parent, memFile == null ? -1 : save.bytes(), Math.max(paused, 0));
        } catch (RuntimeException | IOException e) {
            if (Files.exists(layout.manifest(c.domain(), c.snapshot()), LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            io.xsnap.host.HostException failed = new io.xsnap.host.HostException("create " + c.address()
                    + ": writing the snapshot to the store failed after the cut (" + e.getMessage() + ")", e);
            undoCut(c, failed);
            throw failed;
        }
        return new Taken(paused, save.downtimeMillis(), memFile == null ? null : save.way(), saveMillis);
    }

    /**
     * Before the change touches anything: the store must hold the memory save (the driver's bound of it), the
     * manifest, and every new overlay.
     */
    private void checkSpace(Change c, DomainInfo domain, Path dir, Path memFile) throws IOException {
        SpaceCheck space = new SpaceCheck();
        if (c.memory()) {
            long bound = ctx.driver().memorySaveBound(domain);
            if (bound > 0) {
                space.add(memFile, bound, "the memory save of " + domain.name());
            }
        }
        space.add(dir, SpaceCheck.MANIFEST, "the manifest");
        for (DiskChange d : c.disks()) {
            if (DiskChange.EXTERNAL.equals(d.mode())) {
                space.add(d.layer(), d.reflinkCopy() ? SpaceCheck.MANIFEST : SpaceCheck.OVERLAY, d.vdev() + "'s new layer");
            }
        }
        space.check("create " + c.address());
    }

    /**
     * Takes back a create whose save or cut began and did not end well, the way recovery does after a crash
     * there: from what the host shows now, the internal snapshots it made are deleted and an overlay that became
     * the active layer is committed back into the disk (live), then its files are removed. If that fails too, the
     * journal keeps the change open and the next run's recovery does it.
     */
    private void undoCut(Change c, Exception cause) {
        try {
            Interrupted open = ctx.journal().interrupted().stream().filter(i -> i.address().equals(c.address()))
                    .findFirst().orElse(null);
            if (open == null) {
                return;
            }
            // the save or the cut did not end well: as if it never reported its end
            List<String> steps = open.steps().stream().filter(s -> !s.equals(Step.CUT_DONE)
                    && !s.startsWith(Step.CUT_DONE + " ")).toList();
            Interrupted unended = new Interrupted(open.address(), open.domain(), open.change(), steps, open.recipe(),
                    open.parent(), -1, false);
            Actual now = ctx.observer().observe();
            io.xsnap.plan.Plan undo = new io.xsnap.plan.Planner(ctx.layout(), ctx.clock().instant())
                    .recover(now, List.of(unended));
            Change u = undo.changes().stream().filter(x -> x.address().equals(c.address())).findFirst().orElse(null);
            if (u == null || undo.hasErrors() || u.recovers().outcome() != Change.Outcome.UNDO) {
                ctx.reporter().say("  the failed create is left to recovery (" + (u == null ? "nothing planned"
                        : u.recovers().outcome()) + ")");
                return;
            }
            ctx.reporter().say("  taking the cut back: " + String.join("; ", u.steps()));
            new Deleter(ctx).finish(u, now, Step.UNDONE);
        } catch (RuntimeException | IOException e) {
            ctx.reporter().say("  could not take the cut back: " + e.getMessage() + " (the journal keeps the change; "
                    + "the next xsnap run undoes it)");
            cause.addSuppressed(e);
        }
    }

    /**
     * Writes the manifest (unless it is there) and the current marker, and closes the change. Used by
     * {@link #run} and by recovery for a change whose disks were cut.
     *
     * @param bytes the bytes of memory saved, or -1 for a disk-only snapshot
     */
    void finish(Change c, RestartRecipe recipe, String parent, long bytes, long pauseMillis) throws IOException {
        StoreLayout layout = ctx.layout();
        String driver = ctx.driver().name();
        Path manifest = layout.manifest(c.domain(), c.snapshot());
        if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            Path memFile = memoryFile(c, true);
            if (bytes >= 0) {
                // durable before the manifest names it (run synced it already; recovery has not)
                StoreFiles.sync(memFile);
            }
            String sha256 = bytes < 0 ? null : Digests.sha256(memFile);
            Manifest.Memory memory = bytes < 0 ? null : new Manifest.Memory(c.memoryFile() != null
                    ? memFile.toString() : StoreLayout.MEMORY, bytes, sha256, c.live(), pauseMillis);
            if (memory != null && c.memoryFile() != null) {
                // vouched whole before the manifest names it: a manifest is read back only as far as this agrees
                ctx.driver().trustedState().recordMade(TrustedState.MadeFile.memory(c.domain(), c.snapshot(),
                        memFile, bytes, sha256));
            }
            List<Manifest.Disk> disks = new ArrayList<>();
            for (DiskChange d : c.disks()) {
                disks.add(switch (d.mode()) {
                    case DiskChange.INTERNAL -> new Manifest.Disk(d.vdev(), d.mode(), d.format(), d.image().toString(), d.tag(), null, null);
                    case DiskChange.EXTERNAL -> d.reflinkCopy()
                            ? new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, d.layer().toString(), null)
                            : new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, d.image().toString(),
                            d.layer().toString());
                    default -> new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, null, null);
                });
            }
            Manifest m = new Manifest(Manifest.FORMAT_VERSION, c.snapshot(), c.domain(), driver,
                    ctx.clock().instant(), c.description(), c.runAfter(), memory, disks, parent, recipe);
            ctx.journal().step(c, driver, Step.MANIFEST, "remove " + manifest);
            StoreFiles.writeAtomically(manifest, ctx.json().writeValueAsBytes(m));
        }
        ctx.journal().step(c, driver, Step.CURRENT, null);
        CurrentMarker.write(layout, c.domain(), c.snapshot());
        ctx.journal().step(c, driver, Step.DONE, null);
    }

    /** Finishes an interrupted create whose save and cut ended (recovery). */
    void finish(Change c, Interrupted i) throws IOException {
        Path mem = c.memory() ? memoryFile(c, true) : ctx.layout().memory(c.domain(), c.snapshot());
        if (c.memory() && !Files.exists(ctx.layout().manifest(c.domain(), c.snapshot()), LinkOption.NOFOLLOW_LINKS)
                && Files.size(mem) != i.memoryBytes()) {
            throw new io.xsnap.host.HostException(mem + " is " + Files.size(mem) + " bytes, the journal says the save wrote "
                    + i.memoryBytes() + "; xsnap cannot tell which is right: delete " + ctx.layout().snapshotDir(c.domain(),
                    c.snapshot()) + " and its overlays by hand");
        }
        finish(c, i.recipe(), i.parent(), c.memory() ? i.memoryBytes() : -1, 0);
    }

    /**
     * Where {@code c} saves memory: beside the manifest, or the file outside the store it names. That file is checked
     * again here as the command line checked it (a change may come from a saved plan or the journal): before the save
     * a new file in a safe directory outside the store, and once the save {@code began}, exactly the file xsnap
     * vouched for ({@link TrustedState#recordMade}).
     */
    private Path memoryFile(Change c, boolean began) {
        Path file = c.memoryFile();
        if (file == null) {
            return ctx.layout().memory(c.domain(), c.snapshot());
        }
        TrustedState trust = ctx.driver().trustedState();
        String what = "create " + c.address() + ": memory file " + file;
        if (trust == null) {
            throw new io.xsnap.host.HostException(what + ": the " + ctx.driver().name() + " driver keeps no trusted "
                    + "state to record a file outside the store; leave memory_path out (memory is kept in the store)");
        }
        if (began) {
            TrustedState.MadeFile vouched = trust.memory(c.domain(), c.snapshot()).orElse(null);
            if (vouched == null || !vouched.file().equals(file)) {
                throw new io.xsnap.host.HostException(what + " is not the file xsnap recorded for it (" + (vouched == null
                        ? "no record" : vouched.file()) + " in " + trust.madeDir() + "); move it out of the way by hand");
            }
            return file;
        }
        String why = MemoryFile.outsideProblem(file.toString());
        if (ctx.layout().contains(file)) {
            why = "it lies inside the store " + ctx.layout().root() + " (leave memory_path out: memory is kept there)";
        }
        if (why != null) {
            throw new io.xsnap.host.HostException(what + ": " + why + "; nothing was changed");
        }
        return file;
    }

    /**
     * Removes what this change made before its save or transaction began (so no memory file: a file at its name is
     * not this change's); nothing else existed at those paths. @return all gone
     */
    private boolean undo(Change c, List<Path> overlays, Path dir) {
        List<Path> all = new ArrayList<>(overlays);
        all.add(dir);
        boolean clean = true;
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                clean = false;
                ctx.reporter().say("  could not remove " + p + ": " + e.getMessage());
            }
        }
        if (clean && c.memoryFile() != null) {
            ctx.driver().trustedState().forgetMemory(c.domain(), c.snapshot());
        }
        if (clean) {
            forgetLayers(c, overlays);
        }
        return clean;
    }

    /** Forgets the records of the layers outside the store this change made, once they are removed. */
    private void forgetLayers(Change c, List<Path> overlays) {
        TrustedState trust = ctx.driver().trustedState();
        for (Path p : overlays) {
            if (trust != null && !ctx.layout().contains(p) && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                trust.forgetLayer(c.domain(), p);
            }
        }
    }
}
