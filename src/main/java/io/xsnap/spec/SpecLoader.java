package io.xsnap.spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * Loads spec files into the desired state: YAML 1.2, then the embedded JSON Schema, then the rules that
 * span documents (unique snapshot names within a domain, one document per domain). Every problem of
 * every file is reported at once, each at its file, line and column.
 */
public final class SpecLoader {
    /** What a problem about a whole file names as its field. */
    static final String FILE_FIELD = "(file)";

    private final YamlReader yaml = new YamlReader();
    private final SpecSchema schema = SpecSchema.shared();

    /**
     * Compiles the spec schema and runs the YAML parser once, so a loader made later starts warm. Main
     * calls it on a second thread while picocli builds the command line, when the command will load specs.
     */
    public static void prepare() {
        try {
            SpecSchema.shared();
            new YamlReader().read("(warm-up)", "a: [b, 1, true]\n", new ArrayList<>());
        } catch (RuntimeException e) {
            // the loader meets the same problem and reports it
        }
    }

    /**
     * The spec files the given paths name: a file as given (whatever its name), a directory as every
     * {@code *.yaml} and {@code *.yml} file under it (hidden ones left out), sorted; each file once.
     *
     * @throws NoSuchFileException for a path that does not exist, or a directory without spec files
     */
    public List<Path> expand(List<Path> paths) throws IOException {
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new NoSuchFileException(p.toString(), null, "no such file or directory");
            }
        }
        Set<Path> seen = new LinkedHashSet<>();
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            for (Path f : Files.isDirectory(p) ? specFilesUnder(p) : List.of(p)) {
                if (seen.add(f.toAbsolutePath().normalize())) {
                    files.add(f);
                }
            }
        }
        return files;
    }

    private static List<Path> specFilesUnder(Path dir) throws IOException {
        List<Path> found;
        try (Stream<Path> walk = Files.walk(dir)) {
            found = walk.filter(f -> isSpecFile(dir, f)).sorted(Comparator.comparing(Path::toString)).toList();
        }
        if (found.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "no *.yaml or *.yml files in this directory");
        }
        return found;
    }

    private static boolean isSpecFile(Path dir, Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(f) || !(name.endsWith(".yaml") || name.endsWith(".yml"))) {
            return false;
        }
        for (Path part : dir.relativize(f)) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    /** A spec given as text, not as a file (the Ansible module's inline specs); problems name it {@code name}. */
    public record Text(String name, String text) {
    }

    /**
     * Loads every spec the paths name (see {@link #expand}).
     *
     * @throws SpecException with every problem found, when any spec is invalid
     * @throws NoSuchFileException when a path does not exist; other IOExceptions when a file cannot be read
     */
    public Desired load(List<Path> paths) throws SpecException, IOException {
        return load(paths, List.of());
    }

    /** Loads the specs the paths name, then those given as text, as one desired state (see {@link #load(List)}). */
    public Desired load(List<Path> paths, List<Text> texts) throws SpecException, IOException {
        List<Source> sources = new ArrayList<>();
        expand(paths).forEach(f -> sources.add(new Source(f.toString(), f, null)));
        texts.forEach(t -> sources.add(new Source(t.name(), null, t.text())));
        List<SpecProblem> problems = new ArrayList<>();
        List<YamlDocument> valid = new ArrayList<>();
        Map<String, SourceRef> domains = new HashMap<>();
        for (Checked source : checkAll(sources)) {
            problems.addAll(source.problems());
            for (int i = 0; i < source.documents().size(); i++) {
                YamlDocument doc = source.documents().get(i);
                List<SpecProblem> found = new ArrayList<>(source.found().get(i));
                found.addAll(duplicateDomain(doc, domains));
                if (found.isEmpty()) {
                    valid.add(doc);
                }
                problems.addAll(found);
            }
        }
        if (!problems.isEmpty()) {
            throw new SpecException(inFileOrder(problems, sources.stream().map(Source::name).toList()));
        }
        List<YamlDocument> snapshots = valid.stream().filter(d -> !SpecBuilder.isClone(d)).toList();
        return new Desired(inParallel(snapshots.size()) ? snapshots.parallelStream().map(SpecBuilder::domain).toList()
                : snapshots.stream().map(SpecBuilder::domain).toList(),
                valid.stream().filter(SpecBuilder::isClone).map(SpecBuilder::clone).toList());
    }

    /** A spec file, or a spec given as text ({@code file} null). */
    private record Source(String name, Path file, String text) {
    }

    /** One source read and checked on its own: its problems, its documents and each document's problems. */
    private record Checked(List<SpecProblem> problems, List<YamlDocument> documents, List<List<SpecProblem>> found) {
    }

    /** Reads and checks the sources, in order; many on every core (a document's own checks need no other). */
    private List<Checked> checkAll(List<Source> sources) throws IOException {
        try {
            return (inParallel(sources.size()) ? sources.parallelStream() : sources.stream()).map(this::check).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean inParallel(int items) {
        return items >= 16;
    }

    private Checked check(Source source) {
        List<SpecProblem> problems = new ArrayList<>();
        List<YamlDocument> docs;
        try {
            docs = source.file() != null ? documents(source.file(), problems)
                    : documents(source.name(), source.text(), problems);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<List<SpecProblem>> found = new ArrayList<>();
        for (YamlDocument doc : docs) {
            List<SpecProblem> f = new ArrayList<>(schema.check(doc));
            f.addAll(duplicateSnapshotNames(doc));
            f.addAll(retentionClashes(doc));
            f.addAll(cloneOfItself(doc));
            found.add(f);
        }
        return new Checked(problems, docs, found);
    }

    private List<YamlDocument> documents(Path file, List<SpecProblem> problems) throws IOException {
        String name = file.toString();
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            problems.add(new SpecProblem(new SourceRef(name, 1, 1), FILE_FIELD, tooLarge(size)));
            return List.of();
        }
        String text;
        try {
            text = decode(file);
        } catch (CharacterCodingException e) {
            problems.add(new SpecProblem(new SourceRef(name, 1, 1), FILE_FIELD,
                    "is not UTF-8 text; save the spec as UTF-8"));
            return List.of();
        }
        return documents(name, text, problems);
    }

    private List<YamlDocument> documents(String name, String text, List<SpecProblem> problems) {
        if (text.length() > MAX_FILE_BYTES) {
            problems.add(new SpecProblem(new SourceRef(name, 1, 1), FILE_FIELD, tooLarge(text.length())));
            return List.of();
        }
        int before = problems.size();
        List<YamlDocument> docs = yaml.read(name, text, problems);
        if (docs.isEmpty() && problems.size() == before) {
            problems.add(new SpecProblem(new SourceRef(name, 1, 1), FILE_FIELD,
                    "holds no spec: expected at least one document with apiVersion: "
                    + schema.apiVersion() + " and kind: " + schema.kindsSaid()));
        }
        return docs;
    }

    /**
     * The largest spec file (or inline spec) read: specs are a few kilobytes; reading YAML costs more than linear time
     * in a long scalar, so a huge file is refused before it is read (issue #13: 50 MB kept validate busy 15 minutes).
     */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static String tooLarge(long size) {
        return "is " + size + " bytes; a spec file may hold at most " + MAX_FILE_BYTES + " bytes (1 MiB): split it into"
                + " several files in one directory";
    }

    /** The file's text; malformed UTF-8 is an error, not silently replaced. */
    private static String decode(Path file) throws IOException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    }

    /** A second snapshot of the same name in one domain, named at the second with a pointer to the first. */
    private static List<SpecProblem> duplicateSnapshotNames(YamlDocument doc) {
        List<SpecProblem> out = new ArrayList<>();
        JsonNode list = doc.root().path("snapshots");
        if (!list.isArray()) {
            return out;
        }
        Map<String, FieldPath> first = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode name = list.get(i).path("name");
            if (!name.isString()) {
                continue;
            }
            FieldPath at = FieldPath.ROOT.child("snapshots").child(i).child("name");
            FieldPath earlier = first.putIfAbsent(name.asString(), at);
            if (earlier != null) {
                out.add(new SpecProblem(doc.valueAt(at), at.toString(), "duplicate snapshot name \""
                        + name.asString() + "\": already declared at " + doc.valueAt(earlier) + " (" + earlier
                        + "); snapshot names must be unique within a domain"));
            }
        }
        return out;
    }

    /**
     * Retention rules own the names {@code <prefix>-YYYYMMDDTHHMMSSZ}: two rules with one prefix, or a
     * declared snapshot inside a rule's names, would make a rule delete what it did not make.
     */
    private static List<SpecProblem> retentionClashes(YamlDocument doc) {
        List<SpecProblem> out = new ArrayList<>();
        JsonNode rules = doc.root().path("retention");
        if (!rules.isArray()) {
            return out;
        }
        Map<String, FieldPath> first = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            JsonNode prefix = rules.get(i).path("prefix");
            if (!prefix.isString()) {
                continue;
            }
            FieldPath at = FieldPath.ROOT.child("retention").child(i).child("prefix");
            FieldPath earlier = first.putIfAbsent(prefix.asString(), at);
            if (earlier != null) {
                out.add(new SpecProblem(doc.valueAt(at), at.toString(), "duplicate retention prefix \""
                        + prefix.asString() + "\": already used at " + doc.valueAt(earlier) + " (" + earlier
                        + "); each rule needs its own prefix"));
            }
            JsonNode list = doc.root().path("snapshots");
            for (int j = 0; list.isArray() && j < list.size(); j++) {
                JsonNode name = list.get(j).path("name");
                if (name.isString() && name.asString().matches(java.util.regex.Pattern.quote(prefix.asString())
                        + "-\\d{8}T\\d{6}Z")) {
                    FieldPath n = FieldPath.ROOT.child("snapshots").child(j).child("name");
                    out.add(new SpecProblem(doc.valueAt(n), n.toString(), "\"" + name.asString()
                            + "\" is a name retention rule \"" + prefix.asString() + "\" (" + doc.valueAt(at)
                            + ") makes and may delete; rename the snapshot"));
                }
            }
        }
        return out;
    }

    /**
     * A second document of one kind for a domain already declared (in this file or an earlier one). A domain may
     * have one DomainClone document (how it is made) and one DomainSnapshots document (its snapshots).
     */
    private static List<SpecProblem> duplicateDomain(YamlDocument doc, Map<String, SourceRef> domains) {
        JsonNode domain = doc.root().path("domain");
        if (!domain.isString()) {
            return List.of();
        }
        boolean clone = SpecBuilder.isClone(doc);
        FieldPath at = FieldPath.ROOT.child("domain");
        SourceRef earlier = domains.putIfAbsent((clone ? "clone\0" : "") + domain.asString(), doc.valueAt(at));
        if (earlier == null) {
            return List.of();
        }
        return List.of(new SpecProblem(doc.valueAt(at), at.toString(), (clone ? "clone \"" : "domain \"")
                + domain.asString() + "\" is already declared at " + earlier + "; declare each "
                + (clone ? "clone" : "domain") + " in one document only"));
    }

    /** A clone named as its own source. */
    private static List<SpecProblem> cloneOfItself(YamlDocument doc) {
        JsonNode domain = doc.root().path("domain");
        if (!SpecBuilder.isClone(doc) || !domain.isString()
                || !domain.asString().equals(doc.root().path("from").path("domain").asString(null))) {
            return List.of();
        }
        FieldPath at = FieldPath.ROOT.child("from").child("domain");
        return List.of(new SpecProblem(doc.valueAt(at), at.toString(), "a clone needs a name of its own: \""
                + domain.asString() + "\" is the domain it is cloned from"));
    }

    private static List<SpecProblem> inFileOrder(List<SpecProblem> problems, List<String> names) {
        Map<String, Integer> order = new HashMap<>();
        for (String name : names) {
            order.putIfAbsent(name, order.size());
        }
        return problems.stream()
                .sorted(Comparator.comparing((SpecProblem p) -> order.getOrDefault(p.where().file(), -1))
                        .thenComparingInt(p -> p.where().line())
                        .thenComparingInt(p -> p.where().column()))
                .toList();
    }
}
