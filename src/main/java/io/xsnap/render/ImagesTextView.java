package io.xsnap.render;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Images as a compact tree, one line per image, the backing file indented under its overlay and the
 * snapshot table under the image that holds it:
 * <pre>
 * top.qcow2  qcow2  64 MiB
 * `- base.qcow2  qcow2  64 MiB  (compat 0.10)
 *      ID  TAG  VM SIZE  DATE (UTC)           VM CLOCK        ICOUNT
 *      1   s1   0 B      2026-11-26 10:03:31  0000:00:00.000  0
 * </pre>
 * A chain that stops early ends with an {@code error:} line in the tree (the command also reports it on
 * standard error); a path that could not be read at all is left to standard error.
 */
public final class ImagesTextView implements ImagesView {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final List<String> SNAPSHOT_HEADER = List.of("ID", "TAG", "VM SIZE", "DATE (UTC)", "VM CLOCK",
            "ICOUNT");

    private final PrintWriter out;

    public ImagesTextView(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void image(String path, List<ImageInfo> chain, String error) {
        if (chain.isEmpty()) {
            return;
        }
        for (int depth = 0; depth < chain.size(); depth++) {
            ImageInfo info = chain.get(depth);
            out.println(branch(depth) + describe(info));
            if (!info.snapshots().isEmpty()) {
                snapshotTable(info.snapshots(), " ".repeat(branch(depth).length() + 2));
            }
        }
        if (error != null) {
            out.println(branch(chain.size()) + "error: " + error);
        }
    }

    @Override
    public void finish() {
        out.flush();
    }

    private static String branch(int depth) {
        return depth == 0 ? "" : "   ".repeat(depth - 1) + "`- ";
    }

    private static String describe(ImageInfo info) {
        StringBuilder line = new StringBuilder();
        line.append(info.path()).append("  ").append(info.format()).append("  ").append(size(info.virtualSize()));
        List<String> notes = new ArrayList<>();
        if (info.version() == 2) {
            notes.add("compat 0.10");
        }
        if (info.dataFile() != null) {
            notes.add("data file " + info.dataFile());
        }
        if (info.dirty()) {
            notes.add("dirty");
        }
        if (info.corrupt()) {
            notes.add("CORRUPT");
        }
        if (!notes.isEmpty()) {
            line.append("  (").append(String.join(", ", notes)).append(')');
        }
        return line.toString();
    }

    private void snapshotTable(List<InternalSnapshot> snapshots, String indent) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(SNAPSHOT_HEADER);
        for (InternalSnapshot s : snapshots) {
            rows.add(List.of(s.id(), s.name(), size(s.vmStateSize()), DATE.format(Instant.ofEpochSecond(s.dateSec())),
                    vmClock(s.vmClockNsec()), s.icount() == -1 ? "--" : Long.toString(s.icount())));
        }
        int[] widths = new int[SNAPSHOT_HEADER.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < widths.length; c++) {
                String cell = row.get(c);
                line.append(cell);
                if (c < widths.length - 1) {
                    line.append(" ".repeat(widths[c] - cell.length() + 2));
                }
            }
            out.println(line);
        }
    }

    /** Binary units as qemu-img prints them: "64 MiB", "1.5 GiB", "512 B". */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " " + UNITS[0];
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = value == Math.rint(value) ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.1f", value);
        return number + " " + UNITS[unit];
    }

    /** Guest run time as qemu-img prints it: hours:minutes:seconds.milliseconds. */
    static String vmClock(long nanos) {
        long millis = nanos / 1_000_000L;
        return String.format(Locale.ROOT, "%04d:%02d:%02d.%03d", millis / 3_600_000L, millis / 60_000L % 60,
                millis / 1000 % 60, millis % 1000);
    }
}
