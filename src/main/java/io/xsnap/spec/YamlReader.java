package io.xsnap.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Turns the text of one spec file into its YAML documents (YAML 1.2, core schema: {@code yes} is a string),
 * remembering where each value and key was written. Problems of the YAML itself (syntax, duplicate keys,
 * aliases) are reported, not thrown; the documents read completely before a syntax error are kept.
 */
final class YamlReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The longest text value of a spec (xsnap's longest real one, an xl config's text, is far shorter). */
    static final int MAX_SCALAR_CHARS = 256 * 1024;

    /**
     * YAML 1.2 core schema; a document may hold at most as many code points as a spec file bytes (snakeyaml-engine's
     * own default is 3 Mi), so an inline spec cannot grow past what a file may hold either.
     */
    private final YAMLMapper mapper = YAMLMapper.builder(YAMLFactory.builder()
            .loadSettings(org.snakeyaml.engine.v2.api.LoadSettings.builder()
                    .setSchema(new org.snakeyaml.engine.v2.schema.CoreSchema())
                    .setAllowDuplicateKeys(true) // reported by the document builder, with both places
                    .setCodePointLimit(SpecLoader.MAX_FILE_BYTES).build())
            .build()).build();

    /** The non-empty documents of {@code text}, in order; {@code file} is how problems name the file. */
    List<YamlDocument> read(String file, String text, List<SpecProblem> problems) {
        List<YamlDocument> docs = new ArrayList<>();
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        try (JsonParser parser = mapper.createParser(body)) {
            while (parser.nextToken() != null) {
                DocumentBuilder b = new DocumentBuilder(file, parser, problems);
                JsonNode root = b.value(FieldPath.ROOT, true);
                if (root != null && !root.isNull()) {
                    docs.add(new YamlDocument(file, root, b.values, b.keys));
                }
            }
        } catch (JacksonException | YamlEngineException e) {
            problems.add(YamlSyntax.problem(file, e));
        }
        return docs;
    }

    /** Builds one document's tree from the token stream, recording places as it goes. */
    private static final class DocumentBuilder {
        final String file;
        final JsonParser p;
        final List<SpecProblem> problems;
        final Map<FieldPath, SourceRef> values = new HashMap<>();
        final Map<FieldPath, SourceRef> keys = new HashMap<>();

        DocumentBuilder(String file, JsonParser p, List<SpecProblem> problems) {
            this.file = file;
            this.p = p;
            this.problems = problems;
        }

        /**
         * The value whose first token is the current one; afterwards the current token is its last.
         * Returns null for a value that must be left out (an alias). {@code keep}: record its places.
         */
        JsonNode value(FieldPath path, boolean keep) {
            SourceRef at = here();
            if (keep) {
                values.put(path, at);
            }
            JsonToken t = p.currentToken();
            Object tag = p instanceof YAMLParser yp ? yp.getTypeId() : null;
            if (tag != null && keep) {
                // a tag asks a YAML loader to build some type; xsnap builds none, so it refuses every tag
                String name = tag.toString().startsWith("tag:yaml.org,2002:")
                        ? "!!" + tag.toString().substring("tag:yaml.org,2002:".length()) : "!" + tag;
                problems.add(new SpecProblem(at, path.toString(), "YAML tags (" + Printable.of(name)
                        + ") are not supported in xsnap specs; remove the tag (quote a value to make it a string)"));
            }
            switch (t) {
                case START_OBJECT:
                    return object(path, keep);
                case START_ARRAY:
                    return array(path, keep);
                case VALUE_STRING:
                    if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
                        problems.add(new SpecProblem(at, path.toString(), "YAML aliases (*" + p.getString()
                                + ") are not supported in xsnap specs; write the value out in full"));
                        return null;
                    }
                    if (p.getString().length() > MAX_SCALAR_CHARS) {
                        problems.add(new SpecProblem(at, path.toString(), "is " + p.getString().length()
                                + " characters long; a value may hold at most " + MAX_SCALAR_CHARS));
                        return NODES.stringNode("");
                    }
                    return NODES.stringNode(p.getString());
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    return number();
                case VALUE_TRUE:
                case VALUE_FALSE:
                    return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
                case VALUE_NULL:
                    return NODES.nullNode();
                case VALUE_EMBEDDED_OBJECT:
                    return p.getEmbeddedObject() instanceof byte[] bytes ? NODES.binaryNode(bytes) : NODES.pojoNode(p.getEmbeddedObject());
                default:
                    throw new IllegalStateException("unexpected YAML token " + t + " at " + at);
            }
        }

        private JsonNode object(FieldPath path, boolean keep) {
            ObjectNode node = NODES.objectNode();
            Map<String, SourceRef> seen = new HashMap<>();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String key = p.currentName();
                SourceRef keyAt = here();
                FieldPath child = path.child(key);
                SourceRef first = seen.putIfAbsent(key, keyAt);
                p.nextToken();
                if (first != null) {
                    if (keep) {
                        problems.add(new SpecProblem(keyAt, child.toString(), "duplicate key: \"" + key
                                + "\" is already set at line " + first.line() + ", column " + first.column()
                                + "; write each key once"));
                    }
                    value(child, false);
                    continue;
                }
                if (keep) {
                    keys.put(child, keyAt);
                }
                JsonNode v = value(child, keep);
                if (v != null) {
                    node.set(key, v);
                }
            }
            return node;
        }

        private JsonNode array(FieldPath path, boolean keep) {
            ArrayNode node = NODES.arrayNode();
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                JsonNode v = value(path.child(index), keep);
                node.add(v != null ? v : NODES.nullNode());
                index++;
            }
            return node;
        }

        private JsonNode number() {
            return switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                case BIG_INTEGER -> NODES.numberNode(p.getBigIntegerValue());
                case FLOAT, DOUBLE -> NODES.numberNode(p.getDoubleValue());
                case BIG_DECIMAL -> NODES.numberNode(p.getDecimalValue());
            };
        }

        private SourceRef here() {
            TokenStreamLocation l = p.currentTokenLocation();
            return new SourceRef(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
        }
    }
}
