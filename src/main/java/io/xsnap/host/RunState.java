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
}
