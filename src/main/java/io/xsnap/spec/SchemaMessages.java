package io.xsnap.spec;

import com.networknt.schema.Error;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Rewrites the validator's failures ("string found, boolean expected") as what a person should write
 * instead, placed at the offending node: the value, the unknown key, or the object missing a key.
 */
final class SchemaMessages {
    private static final Set<String> YAML11_BOOLEANS = Set.of("yes", "no", "on", "off", "y", "n");
    private static final String NAME_RULE =
            "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";
    private static final String VDEV_RULE = "a disk is named by its vdev as in the domain's config: a lowercase"
            + " letter, then up to 31 lowercase letters, digits, '_' or '-' (e.g. xvda)";

    private final SpecSchema schema;

    SchemaMessages(SpecSchema schema) {
        this.schema = schema;
    }

    SpecProblem problem(YamlDocument doc, Error e) {
        FieldPath at = FieldPath.of(e.getInstanceLocation());
        JsonNode value = e.getInstanceNode();
        switch (e.getKeyword()) {
            case "required": {
                FieldPath missing = at.child(e.getProperty());
                return new SpecProblem(doc.valueAt(at), missing.toString(), required(at, e.getProperty(),
                        SpecBuilder.isClone(doc)));
            }
            case "additionalProperties": {
                FieldPath key = at.child(e.getProperty());
                return new SpecProblem(doc.keyAt(key), key.toString(), unknownKey(at, e));
            }
            default:
                return new SpecProblem(doc.valueAt(at), at.toString(), valueMessage(at, value, e));
        }
    }

    /** The allowed key an unknown key was probably meant to be, or null. */
    String guess(Error e) {
        return closest(e.getProperty(), allowedKeys(e));
    }

    private String valueMessage(FieldPath at, JsonNode value, Error e) {
        JsonNode rule = schema.node(e.getSchemaLocation().getFragment());
        return switch (e.getKeyword()) {
            case "type" -> type(at, value, rule.asString());
            case "const" -> constant(at, value, rule);
            case "enum" -> oneOf(value, rule);
            case "pattern" -> pattern(at, value);
            case "not" -> reserved(value, rule);
            case "maxLength" -> "must be at most " + rule.asInt() + " characters long, not "
                    + value.asString().codePointCount(0, value.asString().length());
            case "minimum" -> "must be at least " + rule.asString() + ", not " + describeValue(value);
            case "maximum" -> "must be at most " + rule.asString() + ", not " + describeValue(value);
            default -> e.getMessage();
        };
    }

    /** A snapshot name the store keeps for itself (the schema's {@code not: {enum: [...]}}). */
    private static String reserved(JsonNode value, JsonNode rule) {
        List<String> names = new ArrayList<>();
        rule.path("enum").forEach(n -> names.add(n.asString()));
        return describeValue(value) + " is reserved: the store keeps its own " + value.asString() + " in each domain's"
                + " directory, beside the snapshots; choose another name (reserved: " + String.join(", ", names) + ")";
    }

    private String required(FieldPath at, String property, boolean clone) {
        if (clone) {
            String from = "from".equals(at.lastKey()) ? "from." : "";
            switch (from + property) {
                case "domain":
                    return "is required: name the new domain, the clone (e.g. domain: app1)";
                case "from":
                    return "is required: name the snapshot to clone (e.g. from: {domain: web01, snapshot: gold})";
                case "from.domain":
                    return "is required: name the domain that has the snapshot (e.g. domain: web01)";
                case "from.snapshot":
                    return "is required: name the snapshot to clone (e.g. snapshot: gold)";
                default:
                    break;
            }
        }
        return switch (property) {
            case "apiVersion" -> "is required: every spec starts with apiVersion: " + schema.apiVersion();
            case "kind" -> "is required: write kind: " + schema.kindsSaid();
            case "domain" -> "is required: name the domain these snapshots belong to (e.g. domain: web01)";
            case "snapshots" -> "is required: list the domain's snapshots (snapshots: [] for none)";
            case "name" -> "is required: every snapshot needs a name (e.g. - name: pre-upgrade)";
            default -> "is required";
        };
    }

    private String unknownKey(FieldPath at, Error e) {
        String key = e.getProperty();
        if ("disks".equals(at.lastKey())) {
            String lower = key.toLowerCase(Locale.ROOT);
            boolean caseOnly = !lower.equals(key) && lower.matches("[a-z][a-z0-9_-]{0,31}");
            return "\"" + Printable.of(key) + "\" is not a valid disk name: " + VDEV_RULE
                    + (caseOnly ? "; write it in lowercase: " + lower : "");
        }
        List<String> allowed = allowedKeys(e);
        String guess = closest(key, allowed);
        return "unknown key \"" + Printable.of(key) + "\"" + (guess == null ? "" : " (did you mean \"" + guess + "\"?)")
                + "; allowed here: " + String.join(", ", allowed);
    }

    /** The keys the object's schema declares, in the schema's order. */
    private List<String> allowedKeys(Error e) {
        JsonNode objectSchema = schema.node(e.getSchemaLocation().getFragment().getParent());
        return new ArrayList<>(objectSchema.path("properties").propertyNames());
    }

    private static String type(FieldPath at, JsonNode value, String expected) {
        String not = describeValue(value);
        switch (expected) {
            case "boolean":
                if (value.isString() && YAML11_BOOLEANS.contains(value.asString().toLowerCase(Locale.ROOT))) {
                    return "must be true or false; in YAML 1.2 " + not + " is a string, not a boolean";
                }
                if (value.isString() && Set.of("true", "false").contains(value.asString().toLowerCase(Locale.ROOT))) {
                    return "must be true or false without quotes, not " + not;
                }
                return "must be true or false, not " + not;
            case "string":
                return "must be a string, not " + not + (value.isNumber() || value.isBoolean() ? "; put it in quotes" : "");
            case "array":
                if ("snapshots".equals(at.lastKey())) {
                    return value.isNull()
                            ? "must be a list of snapshots, not empty; write snapshots: [] for none"
                            : "must be a list of snapshots, each item starting with '- ' (e.g. - name: pre-upgrade),"
                            + " not " + not;
                }
                return "must be a list, not " + not;
            case "object":
                return mappingExpected(at, value, not);
            default:
                return "must be of type " + expected + ", not " + not;
        }
    }

    private static String mappingExpected(FieldPath at, JsonNode value, String not) {
        if (at.isRoot()) {
            return "a spec must be a mapping (apiVersion: ..., kind: ..., domain: ..., snapshots: ...), not " + not
                    + (value.isArray() ? "; separate several specs in one file with a '---' line" : "");
        }
        if ("disks".equals(at.lastKey())) {
            return "must be a mapping of disk name to mode (e.g. xvda: external), not " + not
                    + (value.isNull() ? "; indent its entries under disks:" : "");
        }
        if (at.parent().isRoot() || !"snapshots".equals(at.parent().lastKey())) {
            return "must be a mapping (key: value), not " + not;
        }
        String hint = "";
        if (value.isString() && value.asString().matches("[A-Za-z]+:\\S.*")) {
            hint = "; put a space after the ':' of a key";
        } else if (value.isString()) {
            hint = "; did you mean - name: " + value.asString() + "?";
        }
        return "each snapshot must be a mapping (name: ..., memory: ..., disks: ...), not " + not + hint;
    }

    private static String constant(FieldPath at, JsonNode value, JsonNode wanted) {
        if ("live".equals(at.lastKey())) {
            return "live: true needs memory: true (a live snapshot copies memory while the domain runs);"
                    + " remove live: true or set memory: true";
        }
        return "must be " + plain(wanted) + ", not " + describeValue(value);
    }

    private static String oneOf(JsonNode value, JsonNode choices) {
        List<String> words = new ArrayList<>();
        choices.forEach(c -> words.add(plain(c)));
        String hint = "";
        if (value.isString() && !value.asString().equals(value.asString().toLowerCase(Locale.ROOT))
                && words.contains(value.asString().toLowerCase(Locale.ROOT))) {
            hint = " (write it in lowercase)";
        }
        return "must be one of " + String.join(", ", words) + ", not " + describeValue(value) + hint;
    }

    private static String pattern(FieldPath at, JsonNode value) {
        String text = value.asString();
        if ("xlConfig".equals(at.lastKey())) {
            return text.indexOf('\0') >= 0
                    ? "must not contain a NUL character"
                    : "must be an absolute path, starting with '/', not " + describeValue(value);
        }
        if ("every".equals(at.lastKey()) || "maxAge".equals(at.lastKey())) {
            return describeValue(value) + " is not a duration: write a whole number and m, h, d or w (e.g. 24h, 7d)";
        }
        if ("id".equals(at.lastKey())) {
            return describeValue(value) + " is not a valid revert id: use up to 128 letters, digits, '.', '_', ':'"
                    + " or '-', starting with a letter or digit";
        }
        if ("prefix".equals(at.lastKey())) {
            return describeValue(value) + " is not a valid prefix: " + nameFault(text)
                    + "; use 1 to 47 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";
        }
        String what = "domain".equals(at.lastKey()) ? "domain name" : "snapshot name";
        return describeValue(value) + " is not a valid " + what + ": " + nameFault(text) + "; " + NAME_RULE;
    }

    /** The first thing wrong with a domain or snapshot name, said plainly. */
    static String nameFault(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.indexOf('/') >= 0) {
            return "it contains '/'";
        }
        if (name.contains("..")) {
            return "it contains '..'";
        }
        if (name.indexOf(' ') >= 0) {
            return "it contains a space";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "it contains whitespace or a control character";
            }
        }
        int first = name.codePointAt(0);
        if (!isAsciiLetterOrDigit(first)) {
            return "it starts with '" + Printable.of(Character.toString(first)) + "'";
        }
        int length = name.codePointCount(0, name.length());
        if (length > 64) {
            return "it is " + length + " characters long";
        }
        return name.codePoints().filter(c -> !isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != '-')
                .mapToObj(c -> "it contains '" + Printable.of(Character.toString(c)) + "'")
                .findFirst().orElse("it does not match " + NAME_RULE);
    }

    private static boolean isAsciiLetterOrDigit(int c) {
        return c < 128 && Character.isLetterOrDigit(c);
    }

    /** A value as a message shows it: {@code the text "yes"}, {@code the number 1}, {@code a list}. */
    static String describeValue(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "empty";
        }
        if (v.isString()) {
            return "\"" + Printable.of(v.asString()) + "\"";
        }
        if (v.isNumber()) {
            return "the number " + v.asString();
        }
        if (v.isBoolean()) {
            return v.asString();
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        return v.toString();
    }

    private static String plain(JsonNode v) {
        return v.isString() ? v.asString() : v.toString();
    }

    /** The candidate a mistyped key most likely meant: same letters ignoring case and '_'/'-', or 2 edits away. */
    static String closest(String key, List<String> candidates) {
        String k = squash(key);
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = squash(c).equals(k) ? 0 : distance(key.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String squash(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
