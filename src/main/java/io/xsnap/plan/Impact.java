package io.xsnap.plan;

import java.util.Locale;

/** How much a change can hurt: safe (creates), disruptive (pauses or restarts a domain), destructive (deletes data). */
public enum Impact {
    SAFE, DISRUPTIVE, DESTRUCTIVE;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
