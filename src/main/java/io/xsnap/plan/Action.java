package io.xsnap.plan;

import java.util.Locale;

/**
 * The closed set of things a plan can do. RECOVER finishes or undoes a change an interrupted run left half
 * done (what it recovers is in {@link Change#recovers()}).
 */
public enum Action {
    CREATE("+"), REVERT("~"), DELETE("-"),
    /** Finishing or undoing what an interrupted run left half done. */
    RECOVER("*"),
    /** A new domain on new overlays over a snapshot's frozen files. */
    CLONE(">"),
    /** A clone destroyed and its own overlays removed. */
    DELETE_CLONE("-"),
    /** A disk-only cut exported to standalone files, then merged back. */
    BACKUP("^");

    private final String symbol;

    Action(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
