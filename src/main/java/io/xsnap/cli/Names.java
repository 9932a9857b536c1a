package io.xsnap.cli;

import java.util.regex.Pattern;
import picocli.CommandLine;

/** The rules for domain, snapshot and disk names given on the command line (the spec schema has the same ones). */
final class Names {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern VDEV = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    private Names() {
    }

    static void check(CommandLine cl, String what, String value) {
        String problem = problem(what, value);
        if (problem != null) {
            throw new CommandLine.ParameterException(cl, problem);
        }
    }

    /** What is wrong with {@code value} as a name, or null when it is a valid one. */
    static String problem(String what, String value) {
        if (!NAME.matcher(value).matches() || value.contains("..")) {
            return what + " '" + printable(value)
                    + "' is not a valid name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, no '..'";
        }
        return null;
    }

    /** What is wrong with {@code value} as a snapshot name (also one of the store's own names), or null. */
    static String snapshotProblem(String what, String value) {
        String problem = problem(what, value);
        if (problem == null && io.xsnap.observe.StoreLayout.RESERVED_SNAPSHOT_NAMES.contains(value)) {
            return what + " '" + value + "' is reserved: the store keeps its own " + value + " in each domain's directory,"
                    + " beside the snapshots; choose another name (reserved: "
                    + String.join(", ", io.xsnap.observe.StoreLayout.RESERVED_SNAPSHOT_NAMES) + ")";
        }
        return problem;
    }

    static void checkSnapshot(CommandLine cl, String what, String value) {
        String problem = snapshotProblem(what, value);
        if (problem != null) {
            throw new CommandLine.ParameterException(cl, problem);
        }
    }

    static void checkDisk(CommandLine cl, String vdev) {
        if (!VDEV.matcher(vdev).matches()) {
            throw new CommandLine.ParameterException(cl, "--disk '" + printable(vdev) + "' is not a valid disk name: a"
                    + " lowercase letter, then up to 31 lowercase letters, digits, '_' or '-' (e.g. xvda)");
        }
    }

    /** The value with control and invisible characters escaped, so a message cannot carry terminal escapes. */
    static String printable(String value) {
        StringBuilder sb = new StringBuilder();
        value.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }
}
