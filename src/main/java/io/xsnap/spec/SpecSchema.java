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

    /** The constant a top-level property must have (apiVersion, kind), as the schema says. */
    String constant(String property) {
        return tree.path("properties").path(property).path("const").asString();
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
        List<String> known = new ArrayList<>(tree.path("properties").propertyNames());
        List<String> found = new ArrayList<>(doc.root().propertyNames());
        if (!found.isEmpty() && found.stream().noneMatch(known::contains)) {
            out.add(new SpecProblem(doc.valueAt(FieldPath.ROOT), FieldPath.DOCUMENT, "not an xsnap spec: it has none"
                    + " of the keys " + String.join(", ", known) + " (found " + String.join(", ", found) + ")"));
            return out;
        }
        for (String property : List.of("apiVersion", "kind")) {
            JsonNode value = doc.root().get(property);
            String wanted = constant(property);
            if (value != null && !(value.isString() && value.asString().equals(wanted))) {
                FieldPath at = FieldPath.ROOT.child(property);
                out.add(new SpecProblem(doc.valueAt(at), at.toString(), "unsupported " + property + " "
                        + SchemaMessages.describeValue(value) + ": this xsnap reads " + property + ": " + wanted));
            }
        }
        return out;
    }
}
