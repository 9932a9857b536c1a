package io.xsnap.spec;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A rolling-snapshot rule: snapshots named {@code <prefix>-YYYYMMDDTHHMMSSZ}, made when the newest is older
 * than {@code every}, pruned beyond {@code keep} or past {@code maxAge} (null = no age limit).
 */
public record RetentionRule(String prefix, Duration every, int keep, Duration maxAge, boolean memory, boolean live,
                            Map<String, DiskMode> disks, SourceRef source) {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    public RetentionRule {
        disks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(disks));
    }

    /** The name this rule gives a snapshot taken at {@code when}. */
    public String nameAt(Instant when) {
        return prefix + "-" + STAMP.format(when);
    }

    /** Whether {@code name} is one this rule makes (prefix, '-', and a timestamp), so the rule owns it. */
    public boolean owns(String name) {
        return Pattern.matches(Pattern.quote(prefix) + "-\\d{8}T\\d{6}Z", name);
    }

    /** The time in a name this rule made. */
    public Instant timeOf(String name) {
        return Instant.from(STAMP.parse(name.substring(prefix.length() + 1)));
    }

    /** The rule as the snapshot it creates: a {@link SnapshotSpec} with this rule's settings. */
    public SnapshotSpec snapshotAt(Instant when) {
        return new SnapshotSpec(nameAt(when), "retention rule " + prefix, Presence.PRESENT, memory, live, disks, source);
    }

    /** Parses {@code 24h}, {@code 7d}, {@code 2w}, {@code 30m} (the schema's duration form). */
    public static Duration parseDuration(String text) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(7 * n);
            default -> throw new IllegalArgumentException("not a duration: " + text);
        };
    }
}
