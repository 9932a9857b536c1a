package io.xsnap.spec;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded JSON Schema of spec documents ({@code /schemas/spec-v1.schema.json}, the one source of truth),
 * and the check of one document against it, with each failure said for people.
 */
final class SpecSchema {
    static final String RESOURCE = "/schemas/spec-v1.schema.json";

    private final JsonNode tree;
    private final Schema schema;
    private final SchemaMessages messages;

    private static SpecSchema shared;

    /**
     * The compiled schema, shared: it is immutable and thread-safe, and compiling it costs start-up time.
     * A failure to compile it is thrown to every caller.
     */
    static synchronized SpecSchema shared() {
        if (shared == null) {
            shared = new SpecSchema();
        }
        return shared;
    }

    SpecSchema() {
        try (InputStream in = SpecSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + RESOURCE);
            }
            tree = JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(tree);
        messages = new SchemaMessages(this);
    }

    /** The format version every document must name, as the schema says. */
    String apiVersion() {
        return tree.path("$defs").path("apiVersion").path("const").asString();
    }

    /** The kinds of document the schema knows, in its order (DomainSnapshots first). */
    List<String> kinds() {
        return kindSchemas().stream().map(k -> k.path("properties").path("kind").path("const").asString()).toList();
    }

    /** The kinds as people read them: "A or B". */
    String kindsSaid() {
        return String.join(" or ", kinds());
    }

    /** The schema of each kind of document: the branches of the top-level if/then/else. */
    private List<JsonNode> kindSchemas() {
        return List.of(ref(tree.path("else")), ref(tree.path("then")));
    }

    /** The schema a {@code {"$ref": "#/..."}} names inside this schema. */
    private JsonNode ref(JsonNode branch) {
        return tree.at(branch.path("$ref").asString().substring(1));
    }

    /** The schema node at a location inside this schema (a missing node when there is none). */
    JsonNode node(NodePath fragment) {
        JsonNode n = tree;
        for (int i = 0; i < fragment.getNameCount(); i++) {
            Object e = fragment.getElement(i);
            n = e instanceof Integer idx ? n.path(idx) : n.path((String) e);
        }
        return n;
    }

    /** Every problem of one document; empty when it is valid. */
    List<SpecProblem> check(YamlDocument doc) {
        List<SpecProblem> header = header(doc);
        if (!header.isEmpty()) {
            return header;
        }
        List<Error> errors = schema.validate(doc.root());
        Set<FieldPath> guessed = new HashSet<>();
        for (Error e : errors) {
            String guess = "additionalProperties".equals(e.getKeyword()) ? messages.guess(e) : null;
            if (guess != null) {
                guessed.add(FieldPath.of(e.getInstanceLocation()).child(guess));
            }
        }
        List<SpecProblem> out = new ArrayList<>();
        for (Error e : errors) {
            boolean typoForRequired = "required".equals(e.getKeyword())
                    && guessed.contains(FieldPath.of(e.getInstanceLocation()).child(e.getProperty()));
            if (!typoForRequired) {
                out.add(messages.problem(doc, e));
            }
        }
        return out;
    }

    /**
     * A document of another format version or kind, or YAML that is no spec at all, is not checked
     * further: its other keys would only add noise. A missing apiVersion or kind is left to the schema check.
     */
    private List<SpecProblem> header(YamlDocument doc) {
        List<SpecProblem> out = new ArrayList<>();
        if (!doc.root().isObject()) {
            return out;
        }
        Set<String> knownSet = new java.util.LinkedHashSet<>();
        kindSchemas().forEach(k -> knownSet.addAll(k.path("properties").propertyNames()));
        List<String> known = new ArrayList<>(knownSet);
        List<String> found = new ArrayList<>(doc.root().propertyNames());
        if (!found.isEmpty() && found.stream().noneMatch(known::contains)) {
            out.add(new SpecProblem(doc.valueAt(FieldPath.ROOT), FieldPath.DOCUMENT, "not an xsnap spec: it has none"
                    + " of the keys " + String.join(", ", known) + " (found " + String.join(", ", found) + ")"));
            return out;
        }
        JsonNode version = doc.root().get("apiVersion");
        if (version != null && !(version.isString() && version.asString().equals(apiVersion()))) {
            out.add(unsupported(doc, "apiVersion", version, apiVersion()));
        }
        JsonNode kind = doc.root().get("kind");
        if (kind != null && !(kind.isString() && kinds().contains(kind.asString()))) {
            out.add(unsupported(doc, "kind", kind, kindsSaid()));
        }
        return out;
    }

    private static SpecProblem unsupported(YamlDocument doc, String property, JsonNode value, String wanted) {
        FieldPath at = FieldPath.ROOT.child(property);
        return new SpecProblem(doc.valueAt(at), at.toString(), "unsupported " + property + " "
                + SchemaMessages.describeValue(value) + ": this xsnap reads " + property + ": " + wanted);
    }
}
