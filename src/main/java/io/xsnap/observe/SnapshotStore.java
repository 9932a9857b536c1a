package io.xsnap.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;

/** Reads the snapshot store: complete snapshots (with a manifest) and incomplete directories. Read-only. */
public final class SnapshotStore {
    private final StoreLayout layout;

    public SnapshotStore(StoreLayout layout) {
        this.layout = layout;
    }

    public StoreLayout layout() {
        return layout;
    }

    /** What the store holds; a missing root is an empty store. */
    public Contents read() {
        List<Manifest> manifests = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> reverts = new ArrayList<>();
        List<CloneRecord> clones = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        for (Path domainDir : children(layout.root(), problems)) {
            String domain = domainDir.getFileName().toString();
            Path applied = layout.appliedReverts(domain);
            if (Files.isRegularFile(applied, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.readAllLines(applied).stream().map(String::strip).filter(l -> !l.isEmpty())
                            .forEach(id -> reverts.add(domain + "/" + id));
                } catch (IOException e) {
                    problems.add(applied + ": cannot read: " + e.getMessage());
                }
            }
            Path cloneFile = layout.cloneRecord(domain);
            if (Files.isRegularFile(cloneFile, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    CloneRecord c = StateReader.cloneRecord(Files.readAllBytes(cloneFile));
                    if (!domain.equals(c.domain())) {
                        damage(damaged, problems, domain, null, cloneFile, "it names clone " + c.domain() + " but lies in "
                                + domain);
                    } else if (c.formatVersion() != CloneRecord.FORMAT_VERSION) {
                        damage(damaged, problems, domain, null, cloneFile, "format_version " + c.formatVersion()
                                + " is not supported");
                    } else {
                        clones.add(c);
                    }
                } catch (JacksonException e) {
                    damage(damaged, problems, domain, null, cloneFile, "unreadable clone record: " + e.getOriginalMessage());
                } catch (IOException e) {
                    damage(damaged, problems, domain, null, cloneFile, "cannot read: " + e.getMessage());
                }
            }
            for (Path snapDir : children(domainDir, problems)) {
                String snapshot = snapDir.getFileName().toString();
                if (snapshot.equals(StoreLayout.LAYERS)) {
                    continue;
                }
                Path file = snapDir.resolve(StoreLayout.MANIFEST);
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    incomplete.add(domain + "/" + snapshot);
                    continue;
                }
                try {
                    Manifest m = StateReader.manifest(Files.readAllBytes(file));
                    if (!domain.equals(m.domain()) || !snapshot.equals(m.name())) {
                        damage(damaged, problems, domain, snapshot, file, "it names " + m.domain() + "/" + m.name()
                                + " but lies in " + domain + "/" + snapshot);
                    } else if (m.formatVersion() != Manifest.FORMAT_VERSION) {
                        damage(damaged, problems, domain, snapshot, file, "format_version " + m.formatVersion()
                                + " is not supported");
                    } else if (m.created() == null) {
                        damage(damaged, problems, domain, snapshot, file, "created is missing");
                    } else {
                        manifests.add(m);
                    }
                } catch (JacksonException e) {
                    damage(damaged, problems, domain, snapshot, file, "unreadable manifest: " + e.getOriginalMessage());
                } catch (IOException e) {
                    damage(damaged, problems, domain, snapshot, file, "cannot read: " + e.getMessage());
                }
            }
        }
        manifests.sort(Comparator.comparing(Manifest::domain).thenComparing(Manifest::created)
                .thenComparing(Manifest::name));
        reverts.sort(null);
        return new Contents(manifests, incomplete, problems, reverts, clones, damaged);
    }

    private static void damage(List<Damaged> damaged, List<String> problems, String domain, String snapshot, Path file,
                               String why) {
        damaged.add(new Damaged(domain, snapshot, file.toString(), why));
        problems.add(file + " is damaged: " + why);
    }

    private static List<Path> children(Path dir, List<String> problems) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            for (Path p : all) {
                if (Files.isSymbolicLink(p)) {
                    problems.add(p + ": a symbolic link in the store; xsnap refuses to follow it");
                }
            }
            return all.stream().filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            problems.add(dir + ": cannot list: " + e.getMessage());
            return List.of();
        }
    }

    /** The store's contents, each list sorted. */
    public record Contents(List<Manifest> manifests, List<String> incomplete, List<String> problems,
                           List<String> appliedReverts, List<CloneRecord> clones, List<Damaged> damaged) {
    }
}
