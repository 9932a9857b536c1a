package io.xsnap.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A driver's own host state, outside the snapshot store and trusted where the store is not: what the driver itself
 * observed of a domain just before xsnap stopped it ({@link Anchor}), the xl config texts xsnap read itself
 * ({@link #vouchConfig}), and the files it made outside the store ({@link MadeFile}: memory files, external
 * layers). A path or a restart recipe read back from the store is held against this state before xsnap acts on it.
 *
 * <p>The run directory is the driver's (qemu: {@code <qemu-dir>/trust}; xl: {@code <xen-run-dir>/xsnap}); the records
 * of made files live in the host's persistent trust directory ({@code --trust-dir}, default
 * {@code /var/lib/xsnap/.trust}), one directory per store ({@link #storeDir}), as they must outlive a reboot. Each is
 * made 0700 when missing, and trusted only when it is a real directory (no symbolic link on its last name), owned by the user
 * xsnap runs as, and closed to group and others. Each record is written atomically (a temp file, fsync, rename),
 * 0600.
 */
public final class TrustedState {
    private static final Set<PosixFilePermission> OPEN_TO_OTHERS = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);
    private final Path dir;
    private final Path made;
    private final JsonMapper json = JsonMapper.builder().build();

    /** All of it in {@code dir}: the records of files made outside the store too (a driver made without a trust dir). */
    public TrustedState(Path dir) {
        this(dir, dir);
    }

    /**
     * @param dir  the run directory's part (anchors, config texts): about running domains, gone with a reboot
     * @param made where the records of the files xsnap made outside the store live, which must outlive a reboot
     *             ({@link #storeDir}); checked as {@code dir}
     */
    public TrustedState(Path dir, Path made) {
        this.dir = dir.toAbsolutePath().normalize();
        this.made = made.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /**
     * What a driver saw of a domain itself just before xsnap stopped it.
     *
     * @param domain       its name
     * @param files        every file of its disks' chains, as the hypervisor held them open (active layers first)
     * @param argv         qemu: its command line (/proc/PID/cmdline); empty for xl
     * @param xlConfig     xl: its live config as {@code xl list -l} printed it; null for qemu
     * @param xlConfigFile xl: the xl config file the driver would derive a restore config from (named on the command
     *                     line, or the one xsnap last started the domain with); null when there is none
     * @param xlConfigText xl: that file's text as it was then
     */
    public record Anchor(String domain, List<Path> files, List<String> argv, String xlConfig, String xlConfigFile,
                         String xlConfigText) {
        public Anchor {
            files = List.copyOf(files);
            argv = argv == null ? List.of() : List.copyOf(argv);
        }
    }

    /** The record of a domain xsnap stopped, or empty when xsnap did not see it stop (or it runs again since). */
    public Optional<Anchor> anchor(String domain) {
        Path file = anchorFile(domain);
        JsonNode doc = read(file);
        if (doc == null) {
            return Optional.empty();
        }
        try {
            List<Path> files = new ArrayList<>();
            doc.required("files").forEach(f -> files.add(Path.of(f.asString())));
            List<String> argv = new ArrayList<>();
            doc.path("argv").forEach(a -> argv.add(a.asString()));
            if (!domain.equals(doc.required("domain").asString())) {
                throw new HostException(file + ": names domain " + doc.path("domain").asString() + ", not " + domain);
            }
            return Optional.of(new Anchor(domain, files, argv, text(doc, "xl_config"), text(doc, "xl_config_file"),
                    text(doc, "xl_config_text")));
        } catch (JacksonException | IllegalArgumentException e) {
            throw new HostException(file + ": unreadable record of " + domain + " (" + e.getMessage() + "); remove it, "
                    + "start the domain and run again", e);
        }
    }

    /** Writes (or replaces) the record of a domain, before xsnap stops it. */
    public void writeAnchor(Anchor anchor) {
        ObjectNode doc = json.createObjectNode();
        doc.put("domain", anchor.domain());
        ArrayNode files = doc.putArray("files");
        anchor.files().forEach(f -> files.add(f.toString()));
        ArrayNode argv = doc.putArray("argv");
        anchor.argv().forEach(argv::add);
        doc.put("xl_config", anchor.xlConfig());
        doc.put("xl_config_file", anchor.xlConfigFile());
        doc.put("xl_config_text", anchor.xlConfigText());
        write(anchorFile(anchor.domain()), doc);
    }

    /** Forgets the record of a domain that runs again as planned. */
    public void removeAnchor(String domain) {
        remove(anchorFile(domain));
    }

    /**
     * A file xsnap makes outside the store for one snapshot: its memory file (a snapshot cfgfile's
     * {@code memory_path}) or an external layer (a cfgfile's disk path, or the directory of
     * {@code snapshot-create DOMAIN DIR}). Recorded before the file is made, so recovery may remove that file, and
     * only that one. A memory record, once the snapshot is complete, also holds the file's size and sha256 (a layer
     * is written by the guest, so it has none).
     *
     * @param size   memory: the bytes of the complete file, or -1 while the save runs; a layer: -1
     * @param sha256 memory: the complete file's sha256, or null while the save runs; a layer: null
     */
    public record MadeFile(String domain, String snapshot, Kind kind, Path file, long size, String sha256) {
        public enum Kind { MEMORY, LAYER }

        /** A memory file's record. */
        public static MadeFile memory(String domain, String snapshot, Path file, long size, String sha256) {
            return new MadeFile(domain, snapshot, Kind.MEMORY, file, size, sha256);
        }

        /** An external layer's record. */
        public static MadeFile layer(String domain, String snapshot, Path file) {
            return new MadeFile(domain, snapshot, Kind.LAYER, file, -1, null);
        }

        public boolean complete() {
            return sha256 != null;
        }
    }

    /**
     * Where the records of the files xsnap made outside one store live: a directory of {@code trustDir} (the host's
     * persistent trusted directory, {@code --trust-dir}) named by the sha256 of the store's real path, so two stores
     * on one host keep theirs apart, and they outlive a reboot (unlike the run directory).
     */
    public static Path storeDir(Path trustDir, Path store) {
        Path real = store.toAbsolutePath().normalize();
        try {
            real = real.toRealPath();
        } catch (IOException e) {
            // a store not made yet: its name is its real path
        }
        return trustDir.toAbsolutePath().normalize().resolve(sha256(real.toString()));
    }

    /** The directory that holds the records of the files xsnap made outside the store. */
    public Path madeDir() {
        return made;
    }

    /** Writes (or replaces) the record of a file xsnap makes outside the store. */
    public void recordMade(MadeFile r) {
        ObjectNode doc = json.createObjectNode();
        doc.put("domain", r.domain());
        doc.put("snapshot", r.snapshot());
        doc.put("kind", r.kind().name().toLowerCase(java.util.Locale.ROOT));
        doc.put("file", r.file().toString());
        doc.put("size", r.size());
        doc.put("sha256", r.sha256());
        checkNormal(r.file());
        write(made, madeFile(r.kind(), r.domain(), r.kind() == MadeFile.Kind.MEMORY ? r.snapshot() : r.file().toString()),
                doc);
    }

    /** The record of {@code domain/snapshot}'s memory file outside the store, or empty when xsnap wrote none. */
    public Optional<MadeFile> memory(String domain, String snapshot) {
        return made(madeFile(MadeFile.Kind.MEMORY, domain, snapshot), MadeFile.Kind.MEMORY)
                .filter(r -> r.domain().equals(domain) && r.snapshot().equals(snapshot)
                        || fail(madeFile(MadeFile.Kind.MEMORY, domain, snapshot), "it is not the record of " + domain
                        + "/" + snapshot));
    }

    /** The record of an external layer xsnap made at {@code file} outside the store for {@code domain}, or empty. */
    public Optional<MadeFile> layer(String domain, Path file) {
        Path at = madeFile(MadeFile.Kind.LAYER, domain, file.toString());
        return made(at, MadeFile.Kind.LAYER).filter(r -> r.domain().equals(domain) && r.file().equals(file)
                || fail(at, "it is not the record of " + domain + "'s layer " + file));
    }

    /**
     * Every external layer xsnap made outside the store, by domain: the files a record of that domain may name. A
     * record that cannot be read is skipped and reported to {@code problems}; it vouches for nothing.
     */
    public java.util.Map<String, List<Path>> layers(java.util.function.Consumer<String> problems) {
        java.util.Map<String, List<Path>> out = new java.util.TreeMap<>();
        Path d = made.resolve("layers");
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        List<Path> files;
        try (var s = Files.list(d)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            problems.accept(d + ": cannot list xsnap's trusted state: " + e.getMessage());
            return out;
        }
        for (Path f : files) {
            try {
                made(f, MadeFile.Kind.LAYER).filter(r -> f.equals(madeFile(MadeFile.Kind.LAYER, r.domain(),
                                r.file().toString())) || fail(f, "its name is not its domain's and file's"))
                        .ifPresent(r -> out.computeIfAbsent(r.domain(), k -> new ArrayList<>()).add(r.file()));
            } catch (HostException e) {
                problems.accept(e.getMessage());
            }
        }
        return out;
    }

    /** Forgets the record of a memory file that is gone (its snapshot deleted, or its save undone). */
    public void forgetMemory(String domain, String snapshot) {
        remove(made, madeFile(MadeFile.Kind.MEMORY, domain, snapshot));
    }

    /** Forgets the record of an external layer that is gone (merged and removed, or its create undone). */
    public void forgetLayer(String domain, Path file) {
        remove(made, madeFile(MadeFile.Kind.LAYER, domain, file.toString()));
    }

    private Optional<MadeFile> made(Path file, MadeFile.Kind kind) {
        JsonNode doc = read(made, file);
        if (doc == null) {
            return Optional.empty();
        }
        try {
            Path path = Path.of(doc.required("file").asString());
            checkNormal(path);
            String k = doc.path("kind").isString() ? doc.path("kind").asString() : "memory";
            if (!k.equals(kind.name().toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("it records a " + k + ", not a " + kind.name().toLowerCase(java.util.Locale.ROOT));
            }
            return Optional.of(new MadeFile(plain(doc.required("domain").asString()),
                    doc.required("snapshot").asString(), kind, path, doc.required("size").asLong(), text(doc, "sha256")));
        } catch (JacksonException | IllegalArgumentException | HostException e) {
            throw new HostException(file + ": unreadable record of a file xsnap made outside the store ("
                    + e.getMessage() + "); xsnap does not vouch for it", e);
        }
    }

    private static boolean fail(Path file, String why) {
        throw new HostException(file + ": unreadable record of a file xsnap made outside the store (" + why
                + "); xsnap does not vouch for it");
    }

    private static void checkNormal(Path p) {
        if (!p.isAbsolute() || !p.equals(p.normalize())) {
            throw new IllegalArgumentException("not an absolute, normal file: " + p);
        }
    }

    private Path madeFile(MadeFile.Kind kind, String domain, String key) {
        return made.resolve(kind == MadeFile.Kind.MEMORY ? "memory" : "layers")
                .resolve(sha256(plain(domain) + "\0" + key) + ".json");
    }

    /**
     * Records that xsnap read (or wrote) this config text itself, for this domain, from a file outside the store (or
     * the text it wrote): a recipe of that domain read back from the store may carry it to a start. Kept by the sha256
     * of the domain's name and the text, so another domain's record cannot carry it.
     */
    public void vouchConfig(String domain, String text) {
        ObjectNode doc = json.createObjectNode();
        doc.put("domain", domain);
        doc.put("sha256", sha256(text));
        write(configFile(domain, text), doc);
    }

    /** Whether xsnap itself read or wrote this exact config text for this domain ({@link #vouchConfig}). */
    public boolean vouchedConfig(String domain, String text) {
        return read(configFile(domain, text)) != null;
    }

    private Path configFile(String domain, String text) {
        return dir.resolve("configs").resolve(sha256(plain(domain) + "\0" + text) + ".json");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path anchorFile(String domain) {
        return dir.resolve("stopped").resolve(plain(domain) + ".json");
    }

    /** {@code domain} when it is a plain name (no {@code /}, not {@code .} or {@code ..}, no NUL); else refused. */
    public static String plain(String domain) {
        if (domain.isEmpty() || domain.contains("/") || domain.equals(".") || domain.equals("..")
                || domain.indexOf('\0') >= 0) {
            throw new HostException("not a usable domain name: '" + domain + "'");
        }
        return domain;
    }

    private static String text(JsonNode doc, String field) {
        JsonNode v = doc.path(field);
        return v.isString() ? v.asString() : null;
    }

    private JsonNode read(Path file) {
        return read(dir, file);
    }

    private JsonNode read(Path dir, Path file) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        checkDir(dir);
        checkTrustDir(dir);
        checkDir(file.getParent());
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new HostException(file + ": not a regular file; xsnap's trusted state is damaged");
                }
                return null;
            }
            checkOwned(file);
            return json.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | JacksonException e) {
            throw new HostException(file + ": cannot read xsnap's trusted state: " + e.getMessage(), e);
        }
    }

    private void write(Path file, ObjectNode doc) {
        write(dir, file, doc);
    }

    private void write(Path dir, Path file, ObjectNode doc) {
        try {
            ensureDir(dir);
            checkTrustDir(dir);
            ensureDir(file.getParent());
            // a temp name of its own: runs on other stores share this directory (the store's lock does not cover it)
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(MemoryFile.OWNER_ONLY_FILE));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(json.writeValueAsBytes(doc)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir(file.getParent());
        } catch (IOException e) {
            throw new HostException(file + ": cannot write xsnap's trusted state: " + e.getMessage(), e);
        }
    }

    private void remove(Path file) {
        remove(dir, file);
    }

    private void remove(Path dir, Path file) {
        try {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                checkDir(dir);
                checkTrustDir(dir);
                if (Files.deleteIfExists(file)) {
                    syncDir(file.getParent());
                }
            }
        } catch (IOException e) {
            throw new HostException(file + ": cannot remove: " + e.getMessage(), e);
        }
    }

    /** The persistent trust directory above a store's directory of made-file records is checked as that one. */
    private void checkTrustDir(Path root) {
        if (root.equals(made) && !made.equals(dir) && made.getParent() != null) {
            checkDir(made.getParent());
        }
    }

    private static void ensureDir(Path d) throws IOException {
        if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(MemoryFile.OWNER_ONLY_DIR));
            Files.setPosixFilePermissions(d, MemoryFile.OWNER_ONLY_DIR);
        }
        checkDir(d);
    }

    /** A real directory (not a link), owned by the user xsnap runs as, closed to group and others. */
    static void checkDir(Path d) {
        try {
            if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw new HostException(d + ": xsnap's trusted state must be a directory, not a link or a file");
            }
            PosixFileAttributes a = checkOwned(d);
            Set<PosixFilePermission> open = new java.util.HashSet<>(a.permissions());
            open.retainAll(OPEN_TO_OTHERS);
            if (!open.isEmpty()) {
                throw new HostException(d + ": xsnap's trusted state must be 0700, it is "
                        + PosixFilePermissions.toString(a.permissions()) + "; chmod 700 it if nobody else wrote there");
            }
        } catch (IOException e) {
            throw new HostException(d + ": cannot check xsnap's trusted state: " + e.getMessage(), e);
        }
    }

    private static PosixFileAttributes checkOwned(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        String owner = a.owner().getName();
        if (!owner.equals(me) && !owner.equals("root")) {
            throw new HostException(p + ": owned by " + owner + ", not by " + me + " or root; xsnap does not trust it");
        }
        return a;
    }

    private static void syncDir(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, Set.of(StandardOpenOption.READ))) {
            ch.force(true);
        }
    }
}
