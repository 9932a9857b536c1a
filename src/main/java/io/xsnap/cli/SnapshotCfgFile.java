package io.xsnap.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The snapshot cfgfile of the Xen domain-snapshot design, read by {@code snapshot-create} and
 * {@code snapshot-revert}:
 * <pre>
 * name = "pre-upgrade"
 * description = "before the kernel upgrade"
 * memory_path = "/var/lib/xen/snapshots/web01/pre-upgrade.save"
 * disks = ['/img/web01/hda_snap.qcow2,qcow2,hda', ',,hdb']
 * </pre>
 * Values are strings in single or double quotes; {@code disks} is a list (it may span lines) of
 * {@code 'PATH,FORMAT,VDEV'}: an empty PATH means an internal snapshot, a PATH the file the external snapshot
 * creates. {@code #} starts a comment. Every problem names the file and line.
 *
 * @param memoryPath     the memory_path setting, or null when absent or empty (then the snapshot is disk-only)
 * @param disks          per vdev, in file order
 * @param memoryPathLine the line of memory_path, or 0 when it is not set
 */
record SnapshotCfgFile(String name, String description, String memoryPath, Map<String, Disk> disks,
                       int memoryPathLine) {

    /**
     * One {@code disks} entry.
     *
     * @param path   the file to create for an external snapshot, or null for an internal one
     * @param format the format written (qcow2, raw) or null
     */
    record Disk(String vdev, Path path, String format, int line) {
    }

    static SnapshotCfgFile read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new XsnapExit(ExitCodes.NOINPUT, file + ": no such snapshot cfgfile");
        } catch (IOException e) {
            throw new XsnapExit(ExitCodes.NOINPUT, file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    static SnapshotCfgFile parse(String source, String text) {
        return new Parser(source, text).parse();
    }

    private static final class Parser {
        private final String source;
        private final String text;
        private int pos;
        private int line = 1;

        Parser(String source, String text) {
            this.source = source;
            this.text = text;
        }

        SnapshotCfgFile parse() {
            String name = null;
            String description = null;
            String memory = null;
            int memoryLine = 0;
            Map<String, Disk> disks = new LinkedHashMap<>();
            List<String> seen = new ArrayList<>();
            while (true) {
                skipSpaceAndComments(true);
                if (pos >= text.length()) {
                    break;
                }
                int keyLine = line;
                String key = identifier();
                if (seen.contains(key)) {
                    throw error(keyLine, key + " is set twice");
                }
                seen.add(key);
                skipSpaceAndComments(false);
                if (pos >= text.length() || text.charAt(pos) != '=') {
                    throw error(line, "expected '=' after " + key);
                }
                pos++;
                skipSpaceAndComments(false);
                switch (key) {
                    case "name" -> name = string(key);
                    case "description" -> description = string(key);
                    case "memory_path" -> {
                        memory = string(key);
                        memoryLine = keyLine;
                    }
                    case "disks" -> list(disks);
                    default -> throw error(keyLine, "unknown setting '" + key
                            + "' (expected name, description, memory_path, disks)");
                }
                endOfStatement();
            }
            if (name == null || name.isEmpty()) {
                throw error(line, "no name = \"...\" (the snapshot's name)");
            }
            if (!Names.NAME.matcher(name).matches() || name.contains("..")) {
                throw error(lineOf("name"), "name '" + name + "' is not a valid snapshot name: 1-64 of A-Z a-z 0-9 . _ -, "
                        + "starting with a letter or digit, no '..'");
            }
            if (io.xsnap.observe.StoreLayout.RESERVED_SNAPSHOT_NAMES.contains(name)) {
                throw errorAtValue("name", "name '" + name + "' is reserved: the store keeps its own " + name
                        + " in each domain's directory, beside the snapshots; choose another name (reserved: "
                        + String.join(", ", io.xsnap.observe.StoreLayout.RESERVED_SNAPSHOT_NAMES) + ")");
            }
            return new SnapshotCfgFile(name, description, memory == null || memory.isEmpty() ? null : memory, disks,
                    memoryLine);
        }

        /** An error at the value of setting {@code key}: FILE:LINE:COL, the column of its first character. */
        private XsnapExit errorAtValue(String key, String what) {
            int line = lineOf(key);
            String text = this.text.split("\n", -1)[line - 1];
            int col = text.indexOf('=', Math.max(0, text.indexOf(key))) + 1;
            while (col > 0 && col < text.length() && Character.isWhitespace(text.charAt(col))) {
                col++;
            }
            return new XsnapExit(ExitCodes.DATAERR, source + ":" + line + ":" + Math.max(1, col + 1) + ": " + what);
        }

        private int lineOf(String key) {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].strip().startsWith(key)) {
                    return i + 1;
                }
            }
            return 1;
        }

        private void list(Map<String, Disk> disks) {
            if (pos >= text.length() || text.charAt(pos) != '[') {
                throw error(line, "disks must be a list: disks = ['PATH,FORMAT,VDEV', ...]");
            }
            pos++;
            while (true) {
                skipSpaceAndComments(true);
                if (pos >= text.length()) {
                    throw error(line, "the disks list is never closed with ]");
                }
                char c = text.charAt(pos);
                if (c == ']') {
                    pos++;
                    return;
                }
                if (c == ',') {
                    pos++;
                    continue;
                }
                int at = line;
                Disk d = disk(string("disks"), at);
                if (disks.put(d.vdev(), d) != null) {
                    throw error(at, "disk " + d.vdev() + " is listed twice");
                }
            }
        }

        private Disk disk(String entry, int at) {
            String[] parts = entry.split(",", -1);
            if (parts.length != 3) {
                throw error(at, "disk '" + entry + "' must be 'PATH,FORMAT,VDEV' (an empty PATH means internal)");
            }
            String path = parts[0].strip();
            String format = parts[1].strip();
            String vdev = parts[2].strip();
            if (vdev.isEmpty()) {
                throw error(at, "disk '" + entry + "' has no VDEV");
            }
            if (!format.isEmpty() && !format.equals("qcow2") && !format.equals("raw")) {
                throw error(at, "disk '" + entry + "': format must be qcow2, raw or empty, not '" + format + "'");
            }
            if (!path.isEmpty() && !path.startsWith("/")) {
                throw error(at, "disk '" + entry + "': PATH must be absolute");
            }
            return new Disk(vdev, path.isEmpty() ? null : Path.of(path), format.isEmpty() ? null : format, at);
        }

        private String string(String key) {
            if (pos >= text.length() || (text.charAt(pos) != '"' && text.charAt(pos) != '\'')) {
                throw error(line, key + ": expected a string in quotes");
            }
            char quote = text.charAt(pos);
            int start = ++pos;
            while (pos < text.length() && text.charAt(pos) != quote) {
                if (text.charAt(pos) == '\n') {
                    throw error(line, key + ": a string that is not closed on its line");
                }
                pos++;
            }
            if (pos >= text.length()) {
                throw error(line, key + ": a string that is not closed on its line");
            }
            return text.substring(start, pos++);
        }

        private String identifier() {
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos) {
                throw error(line, "expected a setting such as name = \"...\", found '" + text.charAt(pos) + "'");
            }
            return text.substring(start, pos);
        }

        private void endOfStatement() {
            skipSpaceAndComments(false);
            if (pos < text.length() && text.charAt(pos) == ';') {
                pos++;
                skipSpaceAndComments(false);
            }
            if (pos < text.length() && text.charAt(pos) != '\n') {
                throw error(line, "unexpected '" + text.charAt(pos) + "' after the value");
            }
        }

        private void skipSpaceAndComments(boolean newlines) {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '#') {
                    while (pos < text.length() && text.charAt(pos) != '\n') {
                        pos++;
                    }
                } else if (c == '\n' && newlines) {
                    line++;
                    pos++;
                } else if (c == ' ' || c == '\t' || c == '\r') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        private XsnapExit error(int at, String what) {
            return new XsnapExit(ExitCodes.DATAERR, source + ":" + at + ": " + what);
        }
    }
}
