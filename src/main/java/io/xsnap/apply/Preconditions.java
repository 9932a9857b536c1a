package io.xsnap.apply;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What must still hold on the host for a planned change to run as planned. */
final class Preconditions {
    private final StoreLayout layout;

    Preconditions(StoreLayout layout) {
        this.layout = layout;
    }

    List<String> check(Change c, Actual actual) {
        List<String> problems = new ArrayList<>();
        DomainInfo domain = actual.domains().stream().filter(d -> d.name().equals(c.domain())).findFirst().orElse(null);
        StoredSnapshot stored = actual.snapshots().stream()
                .filter(s -> s.domain().equals(c.domain()) && s.name().equals(c.snapshot())).findFirst().orElse(null);
        switch (c.action()) {
            case CREATE -> {
                if (domain == null) {
                    problems.add(c.domain() + " is gone");
                    break;
                }
                if (!domain.state().word().equals(c.runAfter())) {
                    problems.add(c.domain() + " is " + domain.state().word() + ", the plan expected " + c.runAfter());
                }
                if (stored != null || Files.exists(layout.snapshotDir(c.domain(), c.snapshot()), LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(layout.snapshotDir(c.domain(), c.snapshot()) + " exists");
                }
                for (DiskChange d : c.disks()) {
                    DiskInfo disk = domain.disk(d.vdev());
                    if (disk == null) {
                        problems.add(c.domain() + " has no disk " + d.vdev() + " any more");
                    } else if (!d.mode().equals(DiskChange.EXCLUDED) && !disk.path().equals(d.image())) {
                        problems.add(c.domain() + " disk " + d.vdev() + " is now " + disk.path() + ", not " + d.image());
                    }
                    if (d.layer() != null && Files.exists(d.layer(), LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(d.layer() + " exists");
                    }
                    if (DiskChange.INTERNAL.equals(d.mode()) && image(actual, d.image()) != null
                            && image(actual, d.image()).hasSnapshot(d.tag())) {
                        problems.add(d.image() + " already holds '" + d.tag() + "'");
                    }
                }
            }
            case DELETE, REVERT -> {
                if (stored == null) {
                    problems.add("snapshot " + c.address() + " is gone");
                    break;
                }
                for (DiskChange d : c.disks()) {
                    if (d.mode().equals(DiskChange.EXTERNAL) && d.merge() != null && d.merge() != DiskChange.Merge.NONE) {
                        List<Path> users = actual.images().stream().filter(i -> d.image().equals(i.backingPath()))
                                .map(ImageInfo::path).toList();
                        if (!users.equals(List.of(d.layer()))) {
                            problems.add(d.image() + " is now the backing file of " + users + ", the plan expected " + d.layer());
                        }
                    }
                    if (c.action() == io.xsnap.plan.Action.REVERT && DiskChange.INTERNAL.equals(d.mode())
                            && (image(actual, d.image()) == null || !image(actual, d.image()).hasSnapshot(d.tag()))) {
                        problems.add(d.image() + " no longer holds '" + d.tag() + "'");
                    }
                }
            }
            case RECOVER -> {
                // recovery checks the host step by step; a finished create needs its whole memory file
                if (c.recovers().action() == io.xsnap.plan.Action.CREATE
                        && c.recovers().outcome() == io.xsnap.plan.Change.Outcome.FINISH && c.memory() && stored == null) {
                    Path mem = c.memoryFile() != null ? c.memoryFile() : layout.memory(c.domain(), c.snapshot());
                    if (!Files.isRegularFile(mem, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(mem + " is missing");
                    }
                }
            }
            case CLONE -> {
                String[] src = c.source().split("/", 2);
                if (actual.snapshots().stream().noneMatch(s -> s.domain().equals(src[0]) && s.name().equals(src[1]))) {
                    problems.add("snapshot " + c.source() + " is gone");
                }
                if (domain != null || actual.clone(c.domain()) != null) {
                    problems.add(c.domain() + " exists now");
                }
                for (DiskChange d : c.disks()) {
                    if (Files.exists(d.layer(), LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(d.layer() + " exists");
                    }
                }
            }
            case DELETE_CLONE -> {
                if (actual.clone(c.domain()) == null) {
                    problems.add("clone " + c.domain() + " is gone");
                }
            }
            case BACKUP -> {
                if (domain == null || !domain.state().active()) {
                    problems.add(c.domain() + " is " + (domain == null ? "gone" : domain.state().word()));
                    break;
                }
                for (DiskChange d : c.disks()) {
                    DiskInfo disk = domain.disk(d.vdev());
                    if (DiskChange.EXTERNAL.equals(d.mode()) && (disk == null || !disk.path().equals(d.image()))) {
                        problems.add(c.domain() + " disk " + d.vdev() + " is now " + (disk == null ? "gone" : disk.path())
                                + ", not " + d.image());
                    }
                    Path out = c.export().dir().resolve(d.vdev() + "." + c.export().format());
                    if (DiskChange.EXTERNAL.equals(d.mode()) && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(out + " exists; a backup never overwrites a file");
                    }
                }
                Path manifest = c.export().dir().resolve(io.xsnap.plan.ClonePlanner.BACKUP_MANIFEST);
                if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(manifest + " exists; a backup never overwrites a file");
                }
            }
        }
        return problems;
    }

    private static ImageInfo image(Actual actual, Path path) {
        return actual.images().stream().filter(i -> i.path().equals(path)).findFirst().orElse(null);
    }
}
