package io.xsnap.cli;

import io.xsnap.apply.CurrentMarker;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code xsnap list}: the snapshots per domain as a tree. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List snapshots per domain as a tree of parents; * marks the current one.")
public final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Parameters(arity = "0..1", paramLabel = "DOMAIN")
    String domain;

    /**
     * One listed snapshot.
     *
     * @param memoryFile the memory file when it lies outside the store (a snapshot cfgfile's memory_path), else null
     */
    record Entry(String domain, String name, String parent, boolean current, Instant created, String state,
                 boolean memory, long memoryBytes, long diskBytes, List<String> disks, String description,
                 String memoryFile) {
    }

    @Override
    public Integer call() {
        HostContext ctx = new HostContext(host);
        Actual actual = ctx.observer(ctx.driver()).observe();
        List<Entry> entries = entries(actual, ctx.layout, domain);
        List<Clone> clones = new ArrayList<>();
        for (io.xsnap.observe.CloneRecord c : actual.clones()) {
            if (domain == null || domain.equals(c.domain()) || domain.equals(c.sourceDomain())) {
                boolean running = actual.domains().stream().anyMatch(d -> d.name().equals(c.domain()) && d.state().active());
                clones.add(new Clone(c.domain(), c.source(), running,
                        c.disks().stream().anyMatch(d -> !d.reflinkCopy()), c.disks().stream()
                        .map(d -> d.vdev() + ":" + d.overlay() + (d.reflinkCopy() ? " (reflink copy of " + d.base() + ")"
                                : " on " + d.base())).toList()));
            }
        }
        List<io.xsnap.observe.Damaged> damaged = actual.damaged().stream()
                .filter(d -> domain == null || domain.equals(d.domain())).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format_version", 1);
            doc.put("snapshots", entries);
            doc.put("clones", clones);
            doc.put("damaged", damaged);
            out.println(ctx.json().writeValueAsString(doc));
        } else {
            printTree(entries, damaged.isEmpty(), out);
            printClones(entries, clones, out);
            printDamaged(damaged, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The snapshots of the store (of {@code domain} only, unless null), in the store's order. */
    static List<Entry> entries(Actual actual, StoreLayout layout, String domain) {
        Map<Path, ImageInfo> images = new LinkedHashMap<>();
        actual.images().forEach(i -> images.put(i.path(), i));
        List<Entry> entries = new ArrayList<>();
        for (StoredSnapshot s : actual.snapshots()) {
            if (domain != null && !domain.equals(s.domain())) {
                continue;
            }
            Manifest m = s.manifest();
            long disk = 0;
            List<String> disks = new ArrayList<>();
            for (Manifest.Disk d : m.disks()) {
                disks.add(d.vdev() + ":" + d.mode());
                if (d.frozen() != null && images.containsKey(Path.of(d.frozen()))) {
                    disk += images.get(Path.of(d.frozen())).fileSize();
                }
            }
            entries.add(new Entry(m.domain(), m.name(), m.parent(), m.name().equals(current(layout, m.domain())),
                    m.created(), m.state(), m.memory() != null, m.memory() == null ? 0 : m.memory().size(), disk, disks,
                    m.description(), m.memory() != null && Path.of(m.memory().file()).isAbsolute()
                    ? m.memory().file() : null));
        }
        return entries;
    }

    /**
     * One clone: who it is, the snapshot it was made from, its own overlays or copies.
     *
     * @param buildsOn some disk of the clone is an overlay on the snapshot's frozen files (a reflink copy is not)
     */
    record Clone(String domain, String source, boolean running, boolean buildsOn, List<String> disks) {
    }

    /** Per snapshot, the clones that use its frozen files; then each clone with its overlays. */
    static void printClones(List<Entry> entries, List<Clone> clones, PrintWriter out) {
        if (clones.isEmpty()) {
            return;
        }
        out.println();
        out.println("Clones (a snapshot cannot be deleted while a clone's overlays build on its frozen files):");
        for (String source : new TreeSet<>(clones.stream().map(Clone::source).toList())) {
            List<String> users = clones.stream().filter(c -> c.source().equals(source) && c.buildsOn()).map(Clone::domain)
                    .toList();
            List<String> copies = clones.stream().filter(c -> c.source().equals(source) && !c.buildsOn()).map(Clone::domain)
                    .toList();
            if (!users.isEmpty()) {
                out.printf("  %s is used by %s%n", source, String.join(", ", users));
            }
            if (!copies.isEmpty()) {
                out.printf("  %s was copied for %s (own copies: they do not hold it)%n", source, String.join(", ", copies));
            }
        }
        for (Clone c : clones) {
            out.printf("  %s (%s) from %s: %s%n", c.domain(), c.running() ? "running" : "not running", c.source(),
                    String.join("; ", c.disks()));
        }
    }

    static String current(StoreLayout layout, String domain) {
        try {
            return CurrentMarker.read(layout, domain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store's records xsnap cannot trust (invariant 8), each with its file and what is wrong. */
    static void printDamaged(List<io.xsnap.observe.Damaged> damaged, PrintWriter out) {
        if (damaged.isEmpty()) {
            return;
        }
        out.println();
        out.println("Damaged (xsnap lists these and touches none of them; repair or move the file away by hand):");
        for (io.xsnap.observe.Damaged d : damaged) {
            out.printf("  ! %s%s: %s is damaged: %s%n", d.snapshot() == null ? "clone " : "", d.address(), d.file(), d.why());
        }
    }

    private static void printTree(List<Entry> entries, boolean nothingElse, PrintWriter out) {
        if (entries.isEmpty()) {
            if (nothingElse) {
                out.println("No snapshots.");
            }
            return;
        }
        Instant now = Instant.now();
        for (String d : new TreeSet<>(entries.stream().map(Entry::domain).toList())) {
            out.println(d);
            List<Entry> mine = entries.stream().filter(e -> e.domain().equals(d)).toList();
            TreeSet<String> names = new TreeSet<>(mine.stream().map(Entry::name).toList());
            for (Entry root : mine.stream().filter(e -> e.parent() == null || !names.contains(e.parent())).toList()) {
                print(root, mine, "  ", out, now);
            }
        }
    }

    private static void print(Entry e, List<Entry> all, String indent, PrintWriter out, Instant now) {
        out.printf("%s%s %s  %s, %s, memory %s, disks %s, taken %s ago (%s)%s%n", indent, e.current() ? "*" : "-", e.name(),
                String.join(" ", e.disks()), e.state(), e.memory() ? human(e.memoryBytes())
                        + (e.memoryFile() == null ? "" : " in " + e.memoryFile()) : "no", human(e.diskBytes()),
                age(Duration.between(e.created(), now)), e.created(),
                e.description() == null ? "" : ": " + e.description().replaceAll("\\s+", " "));
        for (Entry child : all) {
            if (e.name().equals(child.parent())) {
                print(child, all, indent + "  ", out, now);
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String age(Duration d) {
        if (d.toDays() > 0) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" : Math.max(0, d.toSeconds()) + "s";
    }
}
