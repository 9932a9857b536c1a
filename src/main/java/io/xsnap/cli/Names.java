package io.xsnap.cli;

import java.util.regex.Pattern;
import picocli.CommandLine;

/** The rule for domain and snapshot names given on the command line (the spec schema has the same one). */
final class Names {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

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
            return what + " '" + value.replace("\0", "\\0")
                    + "' is not a valid name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, no '..'";
        }
        return null;
    }
}
