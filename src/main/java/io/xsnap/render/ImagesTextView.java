package io.xsnap.render;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.host.xl.XlDomain;
import io.xsnap.host.xl.XlSaveFile;
import io.xsnap.spec.Printable;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

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
 * standard error); a path that could not be read at all is left to standard error. Text read from the files
 * (names, paths, the save file's config) is printed with control and invisible characters escaped
 * ({@link Printable}), so an image cannot send escape sequences to the terminal.
 */
public final class ImagesTextView implements ImagesView {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final String NL = System.lineSeparator();
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
        StringBuilder text = new StringBuilder(256);
        for (int depth = 0; depth < chain.size(); depth++) {
            ImageInfo info = chain.get(depth);
            text.append(branch(depth)).append(describe(info)).append(NL);
            if (!info.snapshots().isEmpty()) {
                snapshotTable(text, info.snapshots(), " ".repeat(branch(depth).length() + 2));
            }
        }
        if (error != null) {
            text.append(branch(chain.size())).append("error: ").append(Printable.of(error)).append(NL);
        }
        out.print(text);
    }

    /**
     * <pre>
     * memory.save  xl save file  763.9 KiB
     *    domain web01 (hvm, uuid ...), config 945 bytes, flags 0x3/0x0, little-endian
     *    disk xvda  qcow2  qdisk  /img/web01.qcow2
     * </pre>
     */
    @Override
    public void saveFile(String path, XlSaveFile file) {
        StringBuilder text = new StringBuilder(256);
        text.append(Printable.of(path)).append("  xl save file  ").append(size(file.fileSize())).append(NL);
        text.append("   domain ").append(Printable.of(file.domainName())).append(" (")
                .append(file.type().isEmpty() ? "?" : Printable.of(file.type()))
                .append(file.uuid().isEmpty() ? "" : ", uuid " + Printable.of(file.uuid())).append("), config ")
                .append(file.optionalDataLength() - 4).append(" bytes, flags ")
                .append(String.format("0x%x/0x%x", file.mandatoryFlags(), file.optionalFlags())).append(", ")
                .append(file.bigEndian() ? "big-endian" : "little-endian").append(NL);
        for (XlDomain.Disk d : file.disks()) {
            text.append("   disk ").append(Printable.of(d.vdev())).append("  ").append(Printable.of(d.format())).append("  ")
                    .append(Printable.of(d.backend())).append("  ").append(Printable.of(String.valueOf(d.target()))).append(d.readOnly() ? "  (read-only)" : "").append(NL);
        }
        out.print(text);
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
        line.append(Printable.of(info.filename())).append("  ").append(info.format()).append("  ").append(size(info.virtualSize()));
        List<String> notes = new ArrayList<>();
        if (info.version() == 2) {
            notes.add("compat 0.10");
        }
        if (info.dataFile() != null) {
            notes.add("data file " + Printable.of(info.dataFile()));
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

    private static void snapshotTable(StringBuilder text, List<InternalSnapshot> snapshots, String indent) {
        List<List<String>> rows = new ArrayList<>(snapshots.size() + 1);
        rows.add(SNAPSHOT_HEADER);
        for (InternalSnapshot s : snapshots) {
            rows.add(List.of(Printable.of(s.id()), Printable.of(s.name()), size(s.vmStateSize()), date(s.dateSec()), vmClock(s.vmClockNsec()),
                    s.icount() == -1 ? "--" : Long.toString(s.icount())));
        }
        int[] widths = new int[SNAPSHOT_HEADER.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            text.append(indent);
            for (int c = 0; c < widths.length; c++) {
                String cell = row.get(c);
                text.append(cell);
                if (c < widths.length - 1) {
                    pad(text, widths[c] - cell.length() + 2, ' ');
                }
            }
            text.append(NL);
        }
    }

    /** Binary units as qemu-img prints them: "64 MiB", "1.5 GiB", "512 B". */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " " + UNITS[0];
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        long tenths = Math.round(value * 10);
        String number = tenths % 10 == 0 ? Long.toString(tenths / 10) : tenths / 10 + "." + tenths % 10;
        return number + " " + UNITS[unit];
    }

    /** Seconds since the epoch as "yyyy-MM-dd HH:mm:ss" in UTC. */
    static String date(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder b = new StringBuilder(19);
        digits(b, t.getYear(), 4).append('-');
        digits(b, t.getMonthValue(), 2).append('-');
        digits(b, t.getDayOfMonth(), 2).append(' ');
        digits(b, t.getHour(), 2).append(':');
        digits(b, t.getMinute(), 2).append(':');
        return digits(b, t.getSecond(), 2).toString();
    }

    /** Guest run time as qemu-img prints it: hours:minutes:seconds.milliseconds. */
    static String vmClock(long nanos) {
        long millis = Long.divideUnsigned(nanos, 1_000_000L); // an unsigned clock, as qemu reads it
        StringBuilder b = new StringBuilder(14);
        digits(b, millis / 3_600_000L, 4).append(':');
        digits(b, millis / 60_000L % 60, 2).append(':');
        digits(b, millis / 1000 % 60, 2).append('.');
        return digits(b, millis % 1000, 3).toString();
    }

    private static StringBuilder digits(StringBuilder b, long value, int width) {
        String s = Long.toString(value);
        pad(b, width - s.length(), '0');
        return b.append(s);
    }

    private static void pad(StringBuilder b, int count, char c) {
        for (int i = 0; i < count; i++) {
            b.append(c);
        }
    }
}
