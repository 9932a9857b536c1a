package io.xsnap.apply;

import io.xsnap.host.HostException;
import io.xsnap.host.image.ImageReader;
import io.xsnap.observe.Actual;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A backup: a temporary disk-only snapshot cuts every disk at one instant (no pause; raw disks QEMU does not serve
 * are copied by reflink while the domain is paused briefly), the frozen files (or copies) are exported
 * to standalone files with a manifest beside them, then the snapshot is deleted the usual way, which commits the
 * temporary layers back so the domain's chain is as it was. The domain keeps running throughout (but for that
 * pause); whatever fails,
 * the message says what was left where.
 */
final class Backupper {
    private final ApplyContext ctx;

    Backupper(ApplyContext ctx) {
        this.ctx = ctx;
    }

    /** What {@code backup.json} says. */
    record BackupManifest(int formatVersion, String domain, String snapshot, Instant cut, String format,
                          boolean compressed, List<Disk> disks) {
    }

    /** One exported disk: its file (beside the manifest), size in bytes, sha256, and the file it was cut from. */
    record Disk(String vdev, String file, long size, String sha256, String source, long virtualSize) {
    }

    long run(Change.Backup c, Actual actual) throws IOException {
        Change.Export export = c.export();
        Path dir = export.dir();
        Files.createDirectories(dir);
        Path manifestFile = dir.resolve(io.xsnap.plan.ClonePlanner.BACKUP_MANIFEST);
        List<DiskChange> cut = c.disks().stream().filter(d -> d.mode().external()).toList();
        String marker = CurrentMarker.read(ctx.layout(), c.domain());
        long paused = new Creator(ctx).run(c.cut(), actual).pauseMillis();
        Instant at = ctx.clock().instant();
        List<Path> written = new ArrayList<>();
        HostException failure = null;
        try {
            List<Disk> disks = new ArrayList<>();
            for (DiskChange d : cut) {
                Path out = dir.resolve(d.vdev() + "." + export.format());
                Path frozen = d.reflinkCopy() ? d.layer() : d.image();
                ctx.reporter().say("  " + d.vdev() + ": exporting " + frozen + " to " + out
                        + (export.compress() ? " (compressed)" : ""));
                written.add(out);
                long virtualSize = new ImageReader().read(frozen, d.format()).virtualSize();
                ctx.qemuImg().export(frozen, d.format(), out, export.format(), export.compress(), virtualSize);
                disks.add(new Disk(d.vdev(), out.getFileName().toString(), Files.size(out), Digests.sha256(out),
                        d.image().toString(), virtualSize));
            }
            written.add(manifestFile);
            StoreFiles.writeAtomically(manifestFile, ctx.json().writeValueAsBytes(new BackupManifest(1, c.domain(),
                    c.snapshot(), at, export.format(), export.compress(), disks)));
        } catch (HostException | IOException e) {
            failure = new HostException("export failed: " + e.getMessage());
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException gone) {
                    failure.addSuppressed(gone);
                }
            }
        }
        try {
            mergeBack(c);
            if (marker != null) {
                CurrentMarker.write(ctx.layout(), c.domain(), marker);
            } else {
                Files.deleteIfExists(CurrentMarker.file(ctx.layout(), c.domain()));
            }
        } catch (HostException | IOException e) {
            throw new HostException((failure != null ? failure.getMessage() + "; " : "the backup in " + dir
                    + " is complete, but ") + "merging the temporary snapshot back failed: " + e.getMessage() + ". "
                    + c.domain() + " runs on its chain with the temporary layer on top; the snapshot " + c.address()
                    + " is left in the store: xsnap delete " + c.domain() + " " + c.snapshot() + " merges it back", e);
        }
        if (failure != null) {
            throw new HostException(failure.getMessage() + "; the partial files were removed from " + dir + "; the "
                    + "temporary snapshot was merged back and " + c.domain() + " runs on its chain as before");
        }
        ctx.reporter().say("  backup of " + c.domain() + " in " + dir + ", manifest " + manifestFile);
        return paused;
    }

    private void mergeBack(Change.Backup c) throws IOException {
        Actual now = ctx.observer().observe();
        Plan delete = new Planner(ctx.layout(), ctx.clock().instant()).delete(now, c.domain(), c.snapshot());
        if (delete.hasErrors() || delete.changes().size() != 1) {
            throw new HostException(delete.findings().stream().map(f -> f.message()).toList().toString());
        }
        ctx.reporter().say("  deleting the temporary snapshot " + c.address());
        for (String step : delete.changes().get(0).steps()) {
            ctx.reporter().say("    > " + step);
        }
        new Deleter(ctx).run((Change.Delete) delete.changes().get(0), now);
    }
}
