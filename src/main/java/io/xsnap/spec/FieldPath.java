package io.xsnap.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a value sits inside one YAML document, as keys (String) and list indexes (Integer),
 * shown to people as {@code snapshots[0].disks.xvda}.
 */
record FieldPath(List<Object> elements) {
    static final FieldPath ROOT = new FieldPath(List.of());
    /** What a problem about the whole document names as its field. */
    static final String DOCUMENT = "(document)";

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    FieldPath {
        elements = List.copyOf(elements);
    }

    FieldPath child(String key) {
        return with(key);
    }

    FieldPath child(int index) {
        return with(index);
    }

    private FieldPath with(Object element) {
        List<Object> more = new ArrayList<>(elements);
        more.add(element);
        return new FieldPath(more);
    }

    /** The path of the object or list holding this value; ROOT for ROOT. */
    FieldPath parent() {
        return elements.isEmpty() ? this : new FieldPath(elements.subList(0, elements.size() - 1));
    }

    boolean isRoot() {
        return elements.isEmpty();
    }

    /** The last key, or null at the root or when the last element is an index. */
    String lastKey() {
        return !elements.isEmpty() && elements.get(elements.size() - 1) instanceof String s ? s : null;
    }

    /** The validator's instance location (a JSON-pointer-like path) as a FieldPath. */
    static FieldPath of(com.networknt.schema.path.NodePath path) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < path.getNameCount(); i++) {
            out.add(path.getElement(i));
        }
        return new FieldPath(out);
    }

    @Override
    public String toString() {
        if (elements.isEmpty()) {
            return DOCUMENT;
        }
        StringBuilder sb = new StringBuilder();
        for (Object e : elements) {
            if (e instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else if (PLAIN_KEY.matcher((String) e).matches()) {
                sb.append(sb.isEmpty() ? "" : ".").append(e);
            } else {
                sb.append("[\"").append(Printable.of(((String) e).replace("\\", "\\\\").replace("\"", "\\\""))).append("\"]");
            }
        }
        return sb.toString();
    }
}
