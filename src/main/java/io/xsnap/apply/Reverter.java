package io.xsnap.apply;

import io.xsnap.host.DomainInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts a domain back to a snapshot: check that the driver can start it from the snapshot (and that no other running
 * domain uses an image about to be written), stop it, restore internal tags and lay new overlays on frozen files,
 * start it from the recorded recipe with its disks replaced (and its memory when the snapshot has one),
 * then remove exactly the discarded layers the plan listed.
 */
final class Reverter {
    private final ApplyContext ctx;

    Reverter(ApplyContext ctx) {
        this.ctx = ctx;
    }

    long run(Change c, Actual actual) throws IOException {
        StoredSnapshot stored = actual.snapshots().stream()
                .filter(s -> s.domain().equals(c.domain()) && s.name().equals(c.snapshot())).findFirst().orElseThrow();
        Manifest m = stored.manifest();
        DomainInfo domain = actual.domains().stream().filter(d -> d.name().equals(c.domain())).findFirst().orElse(null);
        Map<String, Path> files = new LinkedHashMap<>();
        for (DiskChange d : c.disks()) {
            switch (d.mode()) {
                case DiskChange.INTERNAL -> {
                    ImageWriteGuard.check(actual, d.image(), c.domain(), "apply internal snapshot '" + d.tag() + "' to");
                    files.put(d.vdev(), d.image());
                }
                case DiskChange.EXTERNAL -> files.put(d.vdev(), d.layer());
                default -> {
                    if (d.image() != null) {
                        files.put(d.vdev(), d.image());
                    }
                }
            }
        }
        Path memory = m.memory() == null ? null : ctx.layout().snapshotDir(m.domain(), m.name()).resolve(m.memory().file());
        ctx.driver().checkStart(c.domain(), m.restart(), files, memory);
        if (domain != null && domain.state().active()) {
            ctx.journal().append(new Journal.Entry(c.address(), "stop", c.domain(), ctx.driver().name(),
                    "start " + c.domain() + " from the recipe in " + ctx.layout().manifest(c.domain(), c.snapshot())));
            ctx.reporter().say("  stopping " + c.domain());
            ctx.driver().destroy(domain);
        }
        for (DiskChange d : c.disks()) {
            switch (d.mode()) {
                case DiskChange.INTERNAL -> {
                    ctx.reporter().say("  " + d.vdev() + ": applying internal snapshot '" + d.tag() + "' to " + d.image());
                    ctx.qemuImg().snapshotApply(d.image(), d.tag());
                }
                case DiskChange.EXTERNAL -> {
                    StoreFiles.ensureDir(d.layer().getParent());
                    ctx.reporter().say("  " + d.vdev() + ": new layer " + d.layer() + " on " + d.image());
                    ctx.qemuImg().createOverlay(d.layer(), d.image().toString(), d.format());
                }
                default -> {
                    // excluded: the domain keeps the file it has
                }
            }
        }
        boolean paused = "paused".equals(c.runAfter());
        ctx.reporter().say("  starting " + c.domain() + (memory == null ? " (cold start)" : " from " + memory)
                + (paused ? ", paused" : ""));
        ctx.driver().start(c.domain(), m.restart(), files, memory, paused);
        ctx.journal().append(new Journal.Entry(c.address(), "started", c.domain(), ctx.driver().name(), null));
        new Remover(ctx).remove(c, c.address());
        CurrentMarker.write(ctx.layout(), c.domain(), c.snapshot());
        if (c.requestId() != null) {
            recordRequest(c.domain(), c.requestId());
        }
        return -1;
    }

    /** Appends a one-shot revert id to {@code <store>/<domain>/.reverts}, so the spec does not ask again. */
    private void recordRequest(String domain, String id) throws IOException {
        Path file = ctx.layout().appliedReverts(domain);
        String before = java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
        StoreFiles.writeAtomically(file, (before + id + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
