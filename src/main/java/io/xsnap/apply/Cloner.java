package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.CloneRecord;
import io.xsnap.observe.CutMode;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change;
import io.xsnap.plan.ClonePlanner;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.SnapshotRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a clone: the frozen copy of an internal snapshot's state (once; later clones share it), the clone's own
 * overlays (or, for a raw disk kept as a reflink copy, its own reflink copy), the derived start recipe, the clone record, then (when asked) the start. Until the record is written,
 * whatever was made for the clone is removed again on failure; the frozen copy stays (it is the snapshot's).
 */
final class Cloner {
    private final ApplyContext ctx;

    Cloner(ApplyContext ctx) {
        this.ctx = ctx;
    }

    long run(Change.Clone c, Actual actual) throws IOException {
        SnapshotRef src = c.source();
        StoredSnapshot stored = actual.snapshots().stream()
                .filter(s -> s.domain().equals(src.domain()) && s.name().equals(src.snapshot())).findFirst()
                .orElseThrow(() -> new HostException("snapshot " + c.source() + " is gone"));
        Manifest m = stored.manifest();
        ClonePlanner planner = new ClonePlanner(ctx.layout(), ctx.clock().instant());
        // the source's recipe as the driver observed it (running, or when xsnap stopped it): nothing read only from
        // the store is run
        RestartRecipe source = ctx.driver().vouchedRecipe(src.domain(), m.restart(), ctx.layout().manifest(src.domain(), src.snapshot()));
        List<Path> made = new ArrayList<>();
        Map<String, Path> files = new LinkedHashMap<>();
        List<CloneRecord.Disk> disks = new ArrayList<>();
        RestartRecipe recipe;
        try {
            for (DiskChange d : c.disks()) {
                Path base = planner.base(src.domain(), src.snapshot(), d);
                if (d.mode() == CutMode.INTERNAL && !Files.exists(base)) {
                    Path tmp = base.resolveSibling(base.getFileName() + ".tmp");
                    Files.deleteIfExists(tmp);
                    ctx.reporter().say("  " + d.vdev() + ": frozen copy of '" + d.tag() + "' from " + d.image() + " to " + base);
                    ctx.qemuImg().convertSnapshot(d.image(), d.tag(), tmp);
                    Files.move(tmp, base, StandardCopyOption.ATOMIC_MOVE);
                }
                StoreFiles.ensureDir(d.layer().getParent());
                String baseFormat = d.mode() == CutMode.INTERNAL ? "qcow2" : d.format();
                if (d.reflinkCopy()) {
                    ctx.reporter().say("  " + d.vdev() + ": reflink copy " + d.layer() + " of " + base);
                    ctx.driver().copyDisk(base, d.layer());
                } else {
                    ctx.reporter().say("  " + d.vdev() + ": overlay " + d.layer() + " on " + base);
                    ctx.qemuImg().createOverlay(d.layer(), base.toString(), baseFormat);
                }
                made.add(d.layer());
                files.put(d.vdev(), d.layer());
                disks.add(new CloneRecord.Disk(d.vdev(), d.layer().toString(), base.toString(), baseFormat));
            }
            recipe = ctx.driver().cloneRecipe(source, c.domain(), files);
            Path memory = c.memory() ? ctx.layout().snapshotDir(src.domain(), src.snapshot()).resolve(m.memory().file()) : null;
            CloneRecord rec = new CloneRecord(CloneRecord.FORMAT_VERSION, c.domain(), src.domain(), src.snapshot(), ctx.clock().instant(),
                    disks, recipe, memory == null ? null : memory.toString());
            StoreFiles.writeAtomically(ctx.layout().cloneRecord(c.domain()), ctx.json().writeValueAsBytes(rec));
        } catch (RuntimeException | IOException e) {
            for (Path p : made) {
                Files.deleteIfExists(p);
            }
            throw e;
        }
        if (c.start() != RunState.SHUTOFF) {
            Path memory = c.memory() ? ctx.layout().snapshotDir(src.domain(), src.snapshot()).resolve(m.memory().file()) : null;
            ctx.reporter().say("  starting " + c.domain() + (memory == null ? " (cold start)" : " from " + memory));
            try {
                ctx.driver().start(c.domain(), recipe, files, memory, c.start() == RunState.PAUSED);
            } catch (HostException e) {
                throw new HostException("clone " + c.domain() + " was made (" + ctx.layout().cloneRecord(c.domain())
                        + ") but did not start: " + e.getMessage() + "; xsnap delete-clone " + c.domain()
                        + " removes it", e);
            }
        }
        return -1;
    }
}
