package io.xsnap.plan;

/**
 * One snapshot of one domain: the address a plan, the journal and the messages show as {@code domain/snapshot}.
 * A value, so nothing splits that text again. Names are not checked here: a ref read back from the journal is
 * checked where it is used (invariant 8).
 */
public record SnapshotRef(String domain, String snapshot) {
    /** {@code domain/snapshot} split at the first '/' (a domain name never holds one); null for null. */
    public static SnapshotRef parse(String address) {
        if (address == null) {
            return null;
        }
        int slash = address.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a domain/snapshot address: " + address);
        }
        return new SnapshotRef(address.substring(0, slash), address.substring(slash + 1));
    }

    /** {@code domain/snapshot}. */
    @Override
    public String toString() {
        return domain + "/" + snapshot;
    }
}
