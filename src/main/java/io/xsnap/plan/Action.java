package io.xsnap.plan;

import java.util.Locale;

/**
 * The closed set of things a plan can do. RECOVER finishes or undoes a change an interrupted run left half
 * done (what it recovers is in {@link Change#recovers()}).
 */
public enum Action {
    CREATE("+"), REVERT("~"), DELETE("-"), RECOVER("*");

    private final String symbol;

    Action(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
