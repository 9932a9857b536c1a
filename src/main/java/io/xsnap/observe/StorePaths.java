package io.xsnap.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;

/**
 * Invariant 8, in one place: a path read back from the store (a manifest, a journal entry, a clone record) is data,
 * not trust. It becomes a {@link Path} xsnap reads, writes or removes only through this class: it must be absolute
 * and already normal (no {@code .} or {@code ..}), and lie under the store root with no symbolic link on the way, or
 * be a file of a chain xsnap observed itself (from the domains' disks and the store's own images). Anything else is
 * a {@link DamagedRecord} that names the record, the field and what is wrong.
 */
public final class StorePaths {
    private final StoreLayout layout;
    private final Set<Path> chainFiles;
    private final Set<String> observedDomains;
    private final java.util.Map<String, Set<Path>> anchored;
    private final java.util.Map<String, Set<Path>> made;

    /**
     * @param chainFiles      the files of the chains observed without help from any record: the domains' disks and
     *                        their backing files
     * @param observedDomains the domains the driver reports (running or paused): their chains are known
     * @param anchored        domain → the files of its chains when xsnap stopped it, as the driver recorded them in its
     *                        own trusted state (a domain the driver does not report now)
     */
    public StorePaths(StoreLayout layout, Collection<Path> chainFiles, Collection<String> observedDomains,
                      java.util.Map<String, ? extends Collection<Path>> anchored) {
        this(layout, chainFiles, observedDomains, anchored, java.util.Map.of());
    }

    /**
     * @param made domain → the external layers xsnap made outside the store for its snapshots, as the persistent
     *             trusted state records them ({@link io.xsnap.host.TrustedState#layers}): a record of that domain may
     *             name them whether or not a chain holds them now
     */
    public StorePaths(StoreLayout layout, Collection<Path> chainFiles, Collection<String> observedDomains,
                      java.util.Map<String, ? extends Collection<Path>> anchored,
                      java.util.Map<String, ? extends Collection<Path>> made) {
        this.layout = layout;
        java.util.Map<String, Set<Path>> m = new java.util.HashMap<>();
        made.forEach((k, v) -> m.put(k, Set.copyOf(v)));
        this.made = java.util.Map.copyOf(m);
        this.chainFiles = Set.copyOf(chainFiles);
        this.observedDomains = Set.copyOf(observedDomains);
        java.util.Map<String, Set<Path>> a = new java.util.HashMap<>();
        anchored.forEach((k, v) -> a.put(k, Set.copyOf(v)));
        this.anchored = java.util.Map.copyOf(a);
    }

    /** Trust with no domain stopped by xsnap. */
    public StorePaths(StoreLayout layout, Collection<Path> chainFiles, Collection<String> observedDomains) {
        this(layout, chainFiles, observedDomains, java.util.Map.of());
    }

    /** Trust built from a finished observation: the chains of the domains it holds. */
    public static StorePaths of(StoreLayout layout, Actual actual) {
        java.util.Map<Path, Path> backing = new java.util.HashMap<>();
        actual.images().forEach(i -> backing.put(i.path(), i.backingPath()));
        java.util.Set<Path> chains = new java.util.HashSet<>();
        for (var domain : actual.domains()) {
            for (var disk : domain.disks()) {
                for (Path p = disk.path(); p != null && chains.add(p); p = backing.get(p)) {
                    // follows the observed chain down to its base
                }
            }
        }
        return new StorePaths(layout, chains, actual.domains().stream().map(d -> d.name()).toList(), actual.anchored(),
                actual.made());
    }

    /**
     * A file a record of {@code domain} names: as {@link #file}, when the driver reports the domain. A domain it does
     * not report (stopped, or stopped by an interrupted revert) has no live chain to hold the path against; then a
     * path outside the store is accepted only when it is a file of the chains the driver recorded itself when xsnap
     * stopped the domain (its anchor), or of another domain's observed chain. Either way a layer xsnap made outside
     * the store for a snapshot of {@code domain} and recorded in its persistent trusted state is accepted: a revert
     * may have taken it out of every chain while a snapshot's tag still lives in it.
     */
    public Path fileOf(String domain, String raw, Path record, String field) {
        Set<Path> own = made.get(domain);
        if (own != null) {
            Path p = normal(raw, record, field);
            if (own.contains(p)) {
                return p;
            }
        }
        if (observedDomains.contains(domain)) {
            return file(raw, record, field);
        }
        Path p = normal(raw, record, field);
        Set<Path> anchor = anchored.get(domain);
        if (chainFiles.contains(p) || underStore(p) || anchor != null && anchor.contains(p)) {
            return p;
        }
        if (anchor == null) {
            throw new DamagedRecord(record, field + " " + Printable.of(raw) + " lies outside the store " + layout.root()
                    + ", and xsnap did not see " + domain + " stop, so nothing vouches for it; start " + domain
                    + " and run again");
        }
        throw new DamagedRecord(record, field + " " + Printable.of(raw) + " lies outside the store " + layout.root()
                + " and is no file of the chains " + domain + " had when xsnap stopped it");
    }

    /** A path object of a record of {@code domain}: checked as {@link #fileOf(String, String, Path, String)}. */
    public Path fileOf(String domain, Path p, Path record, String field) {
        return fileOf(domain, p == null ? null : p.toString(), record, field);
    }

    public StoreLayout layout() {
        return layout;
    }

    /** A file a record names: under the store, or a file of an observed chain. */
    public Path file(String raw, Path record, String field) {
        Path p = normal(raw, record, field);
        if (chainFiles.contains(p) || underStore(p)) {
            return p;
        }
        throw new DamagedRecord(record, field + " " + Printable.of(raw) + " lies outside the store " + layout.root()
                + " and is no file of a chain xsnap observed");
    }

    /** A path only the store may hold (a file or directory a change removes, a clone's own overlay). */
    public Path inStore(String raw, Path record, String field) {
        Path p = normal(raw, record, field);
        if (!underStore(p)) {
            throw new DamagedRecord(record, field + " " + Printable.of(raw) + " lies outside the store " + layout.root());
        }
        return p;
    }

    /** A path object a record was read into (a journalled change): checked as {@link #inStore}. */
    public Path inStore(Path p, Path record, String field) {
        return inStore(p == null ? null : p.toString(), record, field);
    }

    /** A path object a record was read into: checked as {@link #file}. */
    public Path file(Path p, Path record, String field) {
        return file(p == null ? null : p.toString(), record, field);
    }

    /**
     * One name inside a directory of the store (a memory file beside its manifest, a vdev, a snapshot or domain
     * name): no separator, not {@code .} or {@code ..}, no NUL, not empty.
     */
    public static String plainName(String raw, Path record, String field) {
        if (raw == null || raw.isEmpty()) {
            throw new DamagedRecord(record, field + " is missing");
        }
        if (raw.contains("/") || raw.equals(".") || raw.equals("..") || raw.indexOf('\0') >= 0 || raw.length() > 255) {
            throw new DamagedRecord(record, field + " " + Printable.of(raw) + " is not a plain file name");
        }
        return raw;
    }

    /** A required value that is not a path. */
    public static <T> T required(T value, Path record, String field) {
        if (value == null) {
            throw new DamagedRecord(record, field + " is missing");
        }
        return value;
    }

    private Path normal(String raw, Path record, String field) {
        if (raw == null || raw.isEmpty()) {
            throw new DamagedRecord(record, field + " is missing");
        }
        Path p;
        try {
            p = Path.of(raw);
        } catch (InvalidPathException e) {
            throw new DamagedRecord(record, field + " " + Printable.of(raw) + " is not a file name");
        }
        if (!p.isAbsolute() || !p.equals(p.normalize()) || !p.toString().equals(raw)) {
            throw new DamagedRecord(record, field + " " + Printable.of(raw) + " is not an absolute, normal path"
                    + " (no '.', '..' or repeated '/')");
        }
        return p;
    }

    /** Lexically under the root, and no symbolic link between the root and the file (the file included). */
    private boolean underStore(Path p) {
        Path root = layout.root();
        if (!p.startsWith(root) || p.equals(root)) {
            return false;
        }
        Path at = root;
        for (Path part : root.relativize(p)) {
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                return false;
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return true;
    }

    /**
     * Whether the file system, resolving every link on the way (the last name is not followed), finds {@code p} at
     * the same place under the store's real root as its name says: the last check before a removal. The root's own
     * ancestors may be links (a store under a linked {@code /var}); nothing inside it may redirect.
     */
    public boolean resolvesInStore(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Path root = layout.root();
        if (parent == null || !abs.startsWith(root) || abs.equals(root) || !Files.exists(parent)) {
            return false;
        }
        Path real = parent.toRealPath().resolve(abs.getFileName());
        Path realRoot = root.toRealPath();
        return real.startsWith(realRoot) && realRoot.relativize(real).equals(root.relativize(abs));
    }

    /** A record of the store that cannot be trusted: which file, and what is wrong with it. */
    public static final class DamagedRecord extends io.xsnap.host.HostException {
        private final transient Path record;
        private final String what;

        public DamagedRecord(Path record, String what) {
            super(record + " is damaged: " + what);
            this.record = record;
            this.what = what;
        }

        /** What is wrong, naming the field, without the record's name. */
        public String what() {
            return what;
        }

        public Path record() {
            return record;
        }
    }

    /** Control and invisible characters escaped, so a damaged record cannot put terminal escapes in a message. */
    private static final class Printable {
        static String of(String s) {
            if (s == null) {
                return "null";
            }
            StringBuilder b = new StringBuilder("\"");
            s.codePoints().limit(300).forEach(c -> {
                if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT) {
                    b.append(String.format("\\u%04x", c));
                } else {
                    b.appendCodePoint(c);
                }
            });
            return b.append(s.codePointCount(0, s.length()) > 300 ? "…\"" : "\"").toString();
        }
    }
}
