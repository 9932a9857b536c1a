package io.xsnap.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** Builds the immutable model from a document the schema accepted, filling in the defaults. */
final class SpecBuilder {
    static final Presence DEFAULT_STATE = Presence.PRESENT;
    static final boolean DEFAULT_MEMORY = true;
    static final boolean DEFAULT_LIVE = false;
    /** A clone's start when the spec says none: made, not started. */
    static final String DEFAULT_START = "none";

    private SpecBuilder() {
    }

    /** Whether the document declares a clone (kind: DomainClone) rather than a domain's snapshots. */
    static boolean isClone(YamlDocument doc) {
        return "DomainClone".equals(doc.root().path("kind").asString(""));
    }

    static CloneSpec clone(YamlDocument doc) {
        JsonNode root = doc.root();
        JsonNode from = root.get("from");
        Presence state = root.has("state")
                ? Presence.valueOf(root.get("state").asString().toUpperCase(Locale.ROOT))
                : DEFAULT_STATE;
        String start = root.path("start").asString(DEFAULT_START);
        return new CloneSpec(root.get("domain").asString(), from.get("domain").asString(), from.get("snapshot").asString(),
                state, DEFAULT_START.equals(start) ? "shutoff" : start, doc.valueAt(FieldPath.ROOT));
    }

    static DomainSpec domain(YamlDocument doc) {
        JsonNode root = doc.root();
        FieldPath listPath = FieldPath.ROOT.child("snapshots");
        List<SnapshotSpec> snapshots = new ArrayList<>();
        JsonNode list = root.path("snapshots");
        for (int i = 0; i < list.size(); i++) {
            snapshots.add(snapshot(list.get(i), doc.valueAt(listPath.child(i))));
        }
        Optional<Path> xlConfig = root.hasNonNull("xlConfig")
                ? Optional.of(Path.of(root.get("xlConfig").asString()))
                : Optional.empty();
        List<RetentionRule> retention = new ArrayList<>();
        JsonNode rules = root.path("retention");
        for (int i = 0; i < rules.size(); i++) {
            retention.add(rule(rules.get(i), doc.valueAt(FieldPath.ROOT.child("retention").child(i))));
        }
        Optional<RevertRequest> revert = Optional.empty();
        if (root.hasNonNull("revert")) {
            JsonNode r = root.get("revert");
            revert = Optional.of(new RevertRequest(r.get("to").asString(), r.get("id").asString(),
                    r.hasNonNull("state") ? r.get("state").asString() : null,
                    doc.valueAt(FieldPath.ROOT.child("revert"))));
        }
        return new DomainSpec(root.get("domain").asString(), snapshots, doc.valueAt(FieldPath.ROOT), xlConfig,
                retention, revert);
    }

    private static RetentionRule rule(JsonNode r, SourceRef source) {
        return new RetentionRule(r.get("prefix").asString(),
                RetentionRule.parseDuration(r.get("every").asString()),
                r.get("keep").asInt(),
                r.hasNonNull("maxAge") ? RetentionRule.parseDuration(r.get("maxAge").asString()) : null,
                r.has("memory") && r.get("memory").asBoolean(),
                r.has("live") && r.get("live").asBoolean(),
                disks(r),
                source);
    }

    private static Map<String, DiskMode> disks(JsonNode s) {
        Map<String, DiskMode> disks = new TreeMap<>();
        s.path("disks").properties().forEach(e -> disks.put(e.getKey(), DiskMode.of(e.getValue().asString())));
        return disks;
    }

    private static SnapshotSpec snapshot(JsonNode s, SourceRef source) {
        Map<String, DiskMode> disks = disks(s);
        Presence state = s.has("state")
                ? Presence.valueOf(s.get("state").asString().toUpperCase(Locale.ROOT))
                : DEFAULT_STATE;
        return new SnapshotSpec(
                s.get("name").asString(),
                s.has("description") ? s.get("description").asString() : "",
                state,
                s.has("memory") ? s.get("memory").asBoolean() : DEFAULT_MEMORY,
                s.has("live") ? s.get("live").asBoolean() : DEFAULT_LIVE,
                disks,
                source);
    }
}
