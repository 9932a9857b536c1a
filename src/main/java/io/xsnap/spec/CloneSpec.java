package io.xsnap.spec;

/**
 * A domain that should (or should not) exist as a clone of a snapshot (one YAML document of kind DomainClone).
 *
 * @param domain         the clone's name
 * @param sourceDomain   the domain that has the snapshot
 * @param sourceSnapshot the snapshot cloned
 * @param start          what happens when the clone is made: "shutoff" (not started), "running" or "paused"
 */
public record CloneSpec(String domain, String sourceDomain, String sourceSnapshot, Presence state, String start,
                        SourceRef source) {
    /** "domain/snapshot" of the source, as clone records and plans name it. */
    public String from() {
        return sourceDomain + "/" + sourceSnapshot;
    }
}
