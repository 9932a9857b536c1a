package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Interrupted.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts a domain back to a snapshot: stop it, restore internal tags and lay new overlays on frozen files,
 * start it from the recorded recipe with its disks replaced (and its memory when the snapshot has one),
 * then remove exactly the discarded layers the plan listed. Every step is journalled before it runs.
 * {@link #finish} completes a revert an interrupted run left half done: once the domain was stopped,
 * the only way out is forward.
 */
final class Reverter {
    private static final System.Logger LOG = System.getLogger(Reverter.class.getName());
    private final ApplyContext ctx;

    Reverter(ApplyContext ctx) {
        this.ctx = ctx;
    }

    long run(Change.Revert c, Actual actual) throws IOException {
        DomainInfo domain = domain(actual, c.domain());
        String driver = ctx.driver().name();
        check(c, actual);
        ctx.journal().begin(c, driver, null, null);
        if (domain != null && domain.state().active()) {
            ctx.journal().step(c, driver, Step.STOP, "start " + c.domain() + " from the recipe in "
                    + ctx.layout().manifest(c.domain(), c.snapshot()));
            ctx.reporter().say("  stopping " + c.domain());
            ctx.driver().destroy(domain);
        }
        layAndStart(c, actual, false);
        return -1;
    }

    /**
     * What must hold before the domain is stopped: no running domain uses an image revert writes (Xen's QEMU
     * opens images without locks), and the driver can start the domain from this snapshot.
     */
    private void check(Change.Revert c, Actual actual) {
        Manifest m = stored(c, actual).manifest();
        Map<String, Path> files = new LinkedHashMap<>();
        for (DiskChange d : c.disks()) {
            if (d.mode() == CutMode.INTERNAL) {
                ImageWriteGuard.check(actual, d.image(), c.domain(), "apply internal snapshot '" + d.tag() + "' to");
            }
            Path file = d.mode().external() ? d.layer() : d.image();
            if (file != null) {
                files.put(d.vdev(), file);
            }
        }
        ctx.driver().checkStart(c.domain(), recipe(m), files, memory(m));
        checkSpace(c);
        checkMemory(m, "nothing was changed");
    }

    /** The new layers a revert lays, and the internal snapshots it applies, need room before the stop. */
    private void checkSpace(Change.Revert c) {
        try {
            SpaceCheck space = new SpaceCheck();
            for (DiskChange d : c.disks()) {
                if (d.mode().external()) {
                    space.add(d.layer(), SpaceCheck.OVERLAY, d.vdev() + "'s new layer");
                } else if (d.mode() == CutMode.INTERNAL) {
                    space.add(d.image(), SpaceCheck.OVERLAY, d.vdev() + "'s image (applying '" + d.tag() + "')");
                }
            }
            space.add(ctx.layout().domainDir(c.domain()), SpaceCheck.MANIFEST, "the current marker");
            space.check("revert " + c.address());
        } catch (IOException e) {
            throw new io.xsnap.host.HostException("revert " + c.address() + ": cannot check free space: " + e.getMessage(), e);
        }
    }

    /**
     * The memory file is the one the manifest describes, byte for byte (size and sha256), before the domain is
     * stopped: a damaged file would otherwise load into different RAM, or fail the load once the domain is gone.
     */
    private void checkMemory(Manifest m, String outcome) {
        Path file = memory(m);
        if (file == null) {
            return;
        }
        String what = "snapshot " + m.domain() + "/" + m.name() + ": memory file " + file;
        try {
            long size = Files.size(file);
            if (size != m.memory().size()) {
                throw new io.xsnap.host.HostException(what + " is " + size + " bytes, its manifest says "
                        + m.memory().size() + "; the file is damaged, " + outcome);
            }
            if (m.memory().sha256() == null) {
                throw new io.xsnap.host.HostException(what + ": its manifest has no sha256 to check it against; "
                        + outcome);
            }
            long t0 = System.nanoTime();
            String sha = Digests.sha256(file);
            LOG.log(System.Logger.Level.DEBUG, what + ": sha256 checked in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            if (!sha.equalsIgnoreCase(m.memory().sha256())) {
                throw new io.xsnap.host.HostException(what + " does not match its manifest (sha256 " + sha
                        + ", expected " + m.memory().sha256() + "); the file is damaged, " + outcome);
            }
        } catch (IOException e) {
            throw new io.xsnap.host.HostException(what + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static StoredSnapshot stored(Change.Revert c, Actual actual) {
        return actual.snapshots().stream()
                .filter(s -> s.domain().equals(c.domain()) && s.name().equals(c.snapshot())).findFirst()
                .orElseThrow(() -> new io.xsnap.host.HostException("snapshot " + c.address() + " is gone; start "
                        + c.domain() + " by hand"));
    }

    /** The manifest's restart recipe held against what the driver observed itself; what it observed is run. */
    private io.xsnap.host.RestartRecipe recipe(Manifest m) {
        return ctx.driver().vouchedRecipe(m.domain(), m.restart(), ctx.layout().manifest(m.domain(), m.name()));
    }

    private Path memory(Manifest m) {
        return m.memory() == null ? null : ctx.layout().snapshotDir(m.domain(), m.name()).resolve(m.memory().file());
    }

    /**
     * Completes an interrupted revert of {@code c} (the change as planned) against the host as it is now.
     *
     * @param started the interrupted run had started the domain (its disks are the guest's since)
     */
    void finish(Change.Revert c, Actual actual, boolean started) throws IOException {
        DomainInfo domain = domain(actual, c.domain());
        if (started || domain != null && domain.state().active()) {
            ctx.reporter().say("  " + c.domain() + " was started again already");
            if (domain != null) {
                bringToPlannedState(c, domain);
            }
            closeOut(c);
            return;
        }
        checkMemory(stored(c, actual).manifest(), c.domain() + " stays stopped: start it by hand (from another "
                + "snapshot, or cold), then remove " + ctx.layout().journal());
        layAndStart(c, actual, true);
    }

    /**
     * The interrupted run started the domain but may have died (or failed: {@code cont} refused by a lock)
     * before it let it run: a memory load still running is awaited, then the domain is resumed or paused as
     * the plan said. A domain that cannot be resumed fails the recovery; the journal keeps the change.
     */
    private void bringToPlannedState(Change.Revert c, DomainInfo domain) {
        String settled = ctx.driver().settleMigration(domain);
        if (settled != null) {
            ctx.reporter().say("  " + c.domain() + ": " + settled);
        }
        DomainInfo now = ctx.driver().list().stream().filter(d -> d.name().equals(c.domain())).findFirst()
                .orElseThrow(() -> new io.xsnap.host.HostException("domain " + c.domain() + " exited while recovery "
                        + "settled its start; start it by hand from " + ctx.layout().manifest(c.domain(), c.snapshot())));
        boolean paused = c.after() == io.xsnap.host.RunState.PAUSED;
        if (!paused && now.state() == io.xsnap.host.RunState.PAUSED) {
            ctx.reporter().say("  resuming " + c.domain() + ", started paused by the interrupted run");
            ctx.driver().resume(now);
        } else if (paused && now.state() == io.xsnap.host.RunState.RUNNING) {
            ctx.reporter().say("  pausing " + c.domain() + ", as its revert planned");
            ctx.driver().pause(now);
        }
    }

    private void layAndStart(Change.Revert c, Actual actual, boolean recovering) throws IOException {
        String driver = ctx.driver().name();
        Manifest m = stored(c, actual).manifest();
        Map<String, Path> files = new LinkedHashMap<>();
        for (DiskChange d : c.disks()) {
            switch (d.mode()) {
                case INTERNAL -> {
                    ctx.journal().step(c, driver, Step.APPLY_TAG + " " + d.vdev(), "apply it again (idempotent)");
                    ctx.reporter().say("  " + d.vdev() + ": applying internal snapshot '" + d.tag() + "' to " + d.image());
                    ctx.qemuImg().snapshotApply(d.image(), d.tag());
                    files.put(d.vdev(), d.image());
                }
                case EXTERNAL, REFLINK_COPY -> {
                    StoreFiles.ensureDir(d.layer().getParent());
                    ctx.journal().step(c, driver, Step.NEW_LAYER + " " + d.vdev(), "remove " + d.layer());
                    if (recovering && Files.deleteIfExists(d.layer())) {
                        // the planner chose a free name and the interrupted run made it, maybe cut short
                        ctx.reporter().say("  " + d.vdev() + ": removed " + d.layer() + ", left by the interrupted run");
                    }
                    ctx.reporter().say("  " + d.vdev() + ": new layer " + d.layer() + " on " + d.image());
                    ctx.qemuImg().createOverlay(d.layer(), d.image().toString(), d.format());
                    StoreFiles.makePrivate(d.layer());
                    files.put(d.vdev(), d.layer());
                }
                default -> {
                    if (d.image() != null) {
                        files.put(d.vdev(), d.image());
                    }
                }
            }
        }
        Path memory = memory(m);
        boolean paused = c.after() == io.xsnap.host.RunState.PAUSED;
        ctx.reporter().say("  starting " + c.domain() + (memory == null ? " (cold start)" : " from " + memory)
                + (paused ? ", paused" : ""));
        ctx.journal().step(c, driver, Step.START, "start it again");
        ctx.driver().start(c.domain(), recipe(m), files, memory, paused);
        ctx.journal().step(c, driver, Step.STARTED, null);
        closeOut(c);
    }

    /** After the start: remove the discarded layers, mark the snapshot current, close the change. */
    private void closeOut(Change.Revert c) throws IOException {
        new Remover(ctx).remove(c, c.address());
        ctx.journal().step(c, ctx.driver().name(), Step.CURRENT, null);
        CurrentMarker.write(ctx.layout(), c.domain(), c.snapshot());
        if (c.requestId() != null) {
            recordRequest(c.domain(), c.requestId());
        }
        ctx.journal().step(c, ctx.driver().name(), Step.DONE, null);
    }

    /** Adds a one-shot revert id to {@code <store>/<domain>/.reverts}, so the spec does not ask again. */
    private void recordRequest(String domain, String id) throws IOException {
        Path file = ctx.layout().appliedReverts(domain);
        String before = Files.exists(file) ? Files.readString(file) : "";
        if (!before.lines().anyMatch(id::equals)) {
            StoreFiles.writeAtomically(file, (before + id + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static DomainInfo domain(Actual actual, String name) {
        return actual.domains().stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
    }
}
