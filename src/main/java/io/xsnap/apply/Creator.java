package io.xsnap.apply;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes one snapshot: overlays first, then (memory) pause → save, then one transaction for every disk (raw disks
 * QEMU does not serve are copied by reflink, the domain paused for it), resume, manifest last. Whatever fails, a domain this class paused is resumed; until the transaction
 * succeeded, everything made for the snapshot is removed again.
 */
final class Creator {
    private final ApplyContext ctx;

    Creator(ApplyContext ctx) {
        this.ctx = ctx;
    }

    /** @return how long the domain was paused, or -1 when it was not */
    long run(Change c, Actual actual) throws IOException {
        DomainInfo domain = actual.domains().stream().filter(d -> d.name().equals(c.domain())).findFirst().orElseThrow();
        StoreLayout layout = ctx.layout();
        Path dir = layout.snapshotDir(c.domain(), c.snapshot());
        RestartRecipe recipe = ctx.driver().restartRecipe(domain);
        String parent = CurrentMarker.read(layout, c.domain());
        StoreFiles.ensureDir(layout.domainDir(c.domain()));
        Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        List<Path> overlays = new ArrayList<>();
        Path memFile = c.memory() ? layout.memory(c.domain(), c.snapshot()) : null;
        boolean cut = false;
        Pause pause = new Pause(ctx, domain, c.address());
        long bytes = 0;
        try {
            List<DiskCut> cuts = new ArrayList<>();
            for (DiskChange d : c.disks()) {
                if (DiskChange.INTERNAL.equals(d.mode())) {
                    cuts.add(new DiskCut(domain.disk(d.vdev()), true, d.tag(), null));
                } else if (DiskChange.EXTERNAL.equals(d.mode())) {
                    StoreFiles.ensureDir(d.layer().getParent());
                    if (!copied(domain, d)) {
                        ctx.qemuImg().createOverlay(d.layer(), d.image().toString(), d.format());
                    }
                    overlays.add(d.layer());
                    cuts.add(new DiskCut(domain.disk(d.vdev()), false, null, d.layer()));
                }
            }
            boolean running = domain.state() == RunState.RUNNING;
            boolean copies = c.disks().stream().anyMatch(d -> copied(domain, d));
            if (memFile != null) {
                if (c.live()) {
                    // the save stops the guest at its end: journal the pause before it can happen
                    pause.expect(running);
                    ctx.reporter().say("  saving memory live to " + memFile + (cuts.isEmpty() ? "" : ", cutting "
                            + cuts.size() + " disk(s) at the switch-over"));
                    bytes = ctx.driver().saveMemoryAndSnapshotDisks(domain, memFile, true, cuts);
                    pause.startedNow(running);
                } else {
                    if (running) {
                        pause.pause();
                    }
                    ctx.reporter().say("  saving memory to " + memFile + (cuts.isEmpty() ? "" : ", cutting "
                            + cuts.size() + " disk(s) in one transaction"));
                    bytes = ctx.driver().saveMemoryAndSnapshotDisks(domain, memFile, false, cuts);
                }
            } else if (!cuts.isEmpty()) {
                if (copies && running) {
                    pause.pause();
                }
                ctx.reporter().say("  cutting " + cuts.size() + " disk(s) in one transaction"
                        + (copies ? " (raw disks copied by reflink)" : ""));
                ctx.driver().snapshotDisks(domain, cuts);
            }
            cut = true;
        } catch (RuntimeException | IOException e) {
            pause.resumeQuietly();
            if (!cut) {
                undo(overlays, memFile, dir);
            }
            throw e;
        }
        long paused = pause.resume();
        Manifest.Memory memory = memFile == null ? null
                : new Manifest.Memory(StoreLayout.MEMORY, bytes, Digests.sha256(memFile), c.live(), Math.max(paused, 0));
        List<Manifest.Disk> disks = new ArrayList<>();
        for (DiskChange d : c.disks()) {
            disks.add(switch (d.mode()) {
                case DiskChange.INTERNAL -> new Manifest.Disk(d.vdev(), d.mode(), d.format(), d.image().toString(), d.tag(), null, null);
                case DiskChange.EXTERNAL -> copied(domain, d)
                        ? new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, d.layer().toString(), null)
                        : new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, d.image().toString(),
                        d.layer().toString());
                default -> new Manifest.Disk(d.vdev(), d.mode(), d.format(), null, null, null, null);
            });
        }
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, c.snapshot(), c.domain(), ctx.driver().name(),
                ctx.clock().instant(), null, domain.state().word(), memory, disks, parent, recipe);
        StoreFiles.writeAtomically(dir.resolve(StoreLayout.MANIFEST), ctx.json().writeValueAsBytes(m));
        CurrentMarker.write(layout, c.domain(), c.snapshot());
        return paused;
    }

    /**
     * An external cut of a disk QEMU does not serve (xl: raw on blkback): the planned layer is a reflink copy that
     * becomes the frozen file, while the domain keeps writing its disk.
     */
    private static boolean copied(DomainInfo domain, DiskChange d) {
        return DiskChange.EXTERNAL.equals(d.mode()) && domain.disk(d.vdev()) != null
                && domain.disk(d.vdev()).node() == null;
    }

    /** Removes what this change made before its transaction; nothing else existed at those paths. */
    private void undo(List<Path> overlays, Path memFile, Path dir) {
        List<Path> all = new ArrayList<>(overlays);
        if (memFile != null) {
            all.add(memFile);
        }
        all.add(dir);
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                ctx.reporter().say("  could not remove " + p + ": " + e.getMessage());
            }
        }
    }
}
