package io.xsnap.host.xl;

import io.xsnap.host.HostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A domain's xl config file (xl.cfg(5)), read only far enough to find {@code disk = [ ... ]} and to write a
 * copy whose disk targets point elsewhere: every other byte of the file is kept as it is. The syntax:
 * {@code KEY = VALUE} settings, values being numbers, strings in single or double quotes, or lists in
 * brackets; {@code #} starts a comment.
 */
public final class XlConfigFile {
    private final String source;
    private final String text;
    private final int listStart;
    private final int listEnd;
    private final List<XlDiskSpec> disks;

    private XlConfigFile(String source, String text, int listStart, int listEnd, List<XlDiskSpec> disks) {
        this.source = source;
        this.text = text;
        this.listStart = listStart;
        this.listEnd = listEnd;
        this.disks = List.copyOf(disks);
    }

    /**
     * @param source names the file in messages (its path)
     * @throws HostException naming the file and line when the disk setting cannot be read
     */
    public static XlConfigFile parse(String source, String text) {
        int i = 0;
        boolean statementStart = true;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '#') {
                i = endOfLine(text, i);
            } else if (c == '\n' || c == ';') {
                statementStart = true;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                i = endOfString(source, text, i) + 1;
                statementStart = false;
            } else if (c == '[') {
                i = endOfList(source, text, i) + 1;
                statementStart = false;
            } else if (statementStart && isIdentStart(c)) {
                int j = i;
                while (j < text.length() && isIdent(text.charAt(j))) {
                    j++;
                }
                String key = text.substring(i, j);
                int k = skipBlanks(text, j);
                if (key.equals("disk") && k < text.length() && text.charAt(k) == '=') {
                    int v = skipBlanks(text, k + 1);
                    if (v >= text.length() || text.charAt(v) != '[') {
                        throw error(source, text, v, "disk must be a list: disk = [ '...', ... ]");
                    }
                    int end = endOfList(source, text, v);
                    return new XlConfigFile(source, text, v, end + 1, specs(source, text, v, end));
                }
                statementStart = false;
                i = j;
            } else {
                statementStart = false;
                i++;
            }
        }
        return new XlConfigFile(source, text, -1, -1, List.of());
    }

    /** The disk specifications, in order (CD-ROMs included). */
    public List<XlDiskSpec> disks() {
        return disks;
    }

    public String source() {
        return source;
    }

    /** The vdevs of the disks that are not CD-ROMs. */
    public Set<String> diskVdevs() {
        Set<String> vdevs = new HashSet<>();
        disks.stream().filter(d -> !d.cdrom()).forEach(d -> vdevs.add(d.vdev()));
        return vdevs;
    }

    /**
     * The file's text with each listed disk (vdev → new file and its format) pointed at its new file.
     *
     * @throws HostException when a vdev is not in the disk list
     */
    public String withTargets(Map<String, Target> targets) {
        Set<String> missing = new HashSet<>(targets.keySet());
        missing.removeAll(diskVdevs());
        if (!missing.isEmpty()) {
            throw new HostException(source + ": its disk list has no " + String.join(", ", new java.util.TreeSet<>(missing))
                    + " (it has " + String.join(", ", new java.util.TreeSet<>(diskVdevs())) + ")");
        }
        if (targets.isEmpty()) {
            return text;
        }
        StringBuilder list = new StringBuilder("[\n");
        for (XlDiskSpec d : disks) {
            Target t = d.cdrom() ? null : targets.get(d.vdev());
            String spec = t == null ? d.original() : d.withTarget(t.file().toString(), t.format());
            list.append("    ").append(quoted(spec)).append(",\n");
        }
        list.append("]");
        return text.substring(0, listStart) + list + text.substring(listEnd);
    }

    /**
     * A clone's config from this domain's text (after {@link #withTargets}): {@code name} set to {@code name},
     * {@code uuid} replaced (or dropped, so xl makes one, when {@code uuid} is null), every {@code mac=} in the
     * {@code vif} list replaced by {@code macs.get()}. Other lines stay as they are.
     */
    public static String forClone(String text, String name, String uuid, java.util.function.Supplier<String> macs) {
        StringBuilder out = new StringBuilder();
        boolean named = false;
        boolean inVif = false;
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (t.matches("name\\s*=.*")) {
                out.append("name = \"").append(name).append("\"\n");
                named = true;
                continue;
            }
            if (t.matches("uuid\\s*=.*")) {
                if (uuid != null) {
                    out.append("uuid = \"").append(uuid).append("\"\n");
                }
                continue;
            }
            if (t.matches("vif\\s*=.*")) {
                inVif = true;
            }
            if (inVif) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("mac=([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}").matcher(line);
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(sb, "mac=" + macs.get());
                }
                m.appendTail(sb);
                line = sb.toString();
                if (line.contains("]")) {
                    inVif = false;
                }
            }
            out.append(line).append('\n');
        }
        out.setLength(out.length() - 1);
        return named ? out.toString() : "name = \"" + name + "\"\n" + out;
    }

    /**
     * A MAC address the way libxl makes one for a vif without {@code mac=} (libxl_nic.c): Xen's OUI 00:16:3e, then
     * three random bytes, the first below 0x80.
     */
    public static String freshMac(java.util.Random random) {
        byte[] b = new byte[3];
        random.nextBytes(b);
        return String.format("00:16:3e:%02x:%02x:%02x", b[0] & 0x7f, b[1] & 0xff, b[2] & 0xff);
    }

    /** A new file and its format for one disk. */
    public record Target(Path file, String format) {
    }

    private static String quoted(String spec) {
        if (spec.indexOf('\'') < 0) {
            return "'" + spec + "'";
        }
        if (spec.indexOf('"') < 0) {
            return "\"" + spec + "\"";
        }
        throw new HostException("a disk specification cannot hold both quote characters: " + spec);
    }

    private static List<XlDiskSpec> specs(String source, String text, int open, int close) {
        List<XlDiskSpec> specs = new ArrayList<>();
        int i = open + 1;
        while (i < close) {
            char c = text.charAt(i);
            if (c == '#') {
                i = endOfLine(text, i);
            } else if (Character.isWhitespace(c) || c == ',') {
                i++;
            } else if (c == '"' || c == '\'') {
                int end = endOfString(source, text, i);
                String spec = text.substring(i + 1, end);
                try {
                    specs.add(XlDiskSpec.parse(spec));
                } catch (IllegalArgumentException e) {
                    throw error(source, text, i, e.getMessage());
                }
                i = end + 1;
            } else {
                throw error(source, text, i, "the disk list holds something that is not a quoted string");
            }
        }
        return specs;
    }

    private static int endOfString(String source, String text, int open) {
        char quote = text.charAt(open);
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            } else if (c == '\n') {
                break;
            }
        }
        throw error(source, text, open, "a string that is not closed on its line");
    }

    private static int endOfList(String source, String text, int open) {
        int i = open + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == ']') {
                return i;
            } else if (c == '#') {
                i = endOfLine(text, i);
            } else if (c == '"' || c == '\'') {
                i = endOfString(source, text, i) + 1;
            } else if (c == '[') {
                i = endOfList(source, text, i) + 1;
            } else {
                i++;
            }
        }
        throw error(source, text, open, "a list that is never closed with ]");
    }

    private static int endOfLine(String text, int i) {
        int nl = text.indexOf('\n', i);
        return nl < 0 ? text.length() : nl;
    }

    private static int skipBlanks(String text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static HostException error(String source, String text, int at, String what) {
        int line = 1;
        for (int i = 0; i < Math.min(at, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return new HostException(source + ":" + line + ": " + what);
    }
}
