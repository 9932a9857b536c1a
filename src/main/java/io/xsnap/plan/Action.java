package io.xsnap.plan;

import java.util.Locale;

/** The closed set of things a plan can do. */
public enum Action {
    CREATE("+"), REVERT("~"), DELETE("-");

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
