package io.xsnap.observe;

/**
 * A record of the store xsnap cannot trust (invariant 8): listed as damaged, never acted on.
 *
 * @param domain   the domain directory it lies in
 * @param snapshot the snapshot directory, or null for a clone record
 * @param file     the record's file
 * @param why      what is wrong with it, naming the field
 */
public record Damaged(String domain, String snapshot, String file, String why) {
    public String address() {
        return snapshot == null ? domain : domain + "/" + snapshot;
    }
}
