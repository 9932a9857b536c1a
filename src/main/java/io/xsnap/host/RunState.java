package io.xsnap.host;

/** What a domain is doing. Active = running or paused. */
public enum RunState {
    RUNNING, PAUSED, SHUTDOWN, CRASHED, DYING, SHUTOFF;

    public boolean active() {
        return this == RUNNING || this == PAUSED;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The state a word names ("running", "paused", ...); null for null. */
    public static RunState of(String word) {
        if (word == null) {
            return null;
        }
        try {
            return valueOf(word.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + word + "' is not a run state (running, paused, shutoff, ...)");
        }
    }
}
