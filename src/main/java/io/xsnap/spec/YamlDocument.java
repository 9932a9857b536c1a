package io.xsnap.spec;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One non-empty YAML document of a spec file, as a JSON tree, with the place in the file of every
 * value and every mapping key.
 */
record YamlDocument(String file, JsonNode root, Map<FieldPath, SourceRef> values, Map<FieldPath, SourceRef> keys) {
    YamlDocument {
        values = Map.copyOf(values);
        keys = Map.copyOf(keys);
    }

    /** Where the value at this path starts; for a path with no value, its nearest ancestor's place. */
    SourceRef valueAt(FieldPath path) {
        for (FieldPath p = path; ; p = p.parent()) {
            SourceRef ref = values.get(p);
            if (ref != null || p.isRoot()) {
                return ref != null ? ref : new SourceRef(file, 1, 1);
            }
        }
    }

    /** Where the key of this mapping entry is written; for a list item or the root, where its value starts. */
    SourceRef keyAt(FieldPath path) {
        SourceRef ref = keys.get(path);
        return ref != null ? ref : valueAt(path);
    }
}
