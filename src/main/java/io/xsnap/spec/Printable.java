package io.xsnap.spec;

/**
 * Text from a spec as a message may show it: control characters, invisible format characters (zero-width,
 * bidirectional overrides) and other unusual separators are written as escapes ({@code \n}, {@code \u202e}),
 * so a hostile value can neither hide itself nor send escape sequences to the terminal that prints it.
 * Specs are one source of such text; image files (snapshot names, backing names) and save files are others.
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            String escape = escape(c);
            if (escape != null && sb == null) {
                sb = new StringBuilder(text.substring(0, i));
            }
            if (sb != null) {
                sb.append(escape != null ? escape : Character.toString(c));
            }
            i += Character.charCount(c);
        }
        return sb == null ? text : sb.toString();
    }

    /** Text of one code point, escaped when it must be; else null. */
    static String escape(int c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            case 0:
                return "\\0";
            default:
                break;
        }
        int type = Character.getType(c);
        boolean hidden = type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR && c != ' '
                || type == Character.SURROGATE || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
        return hidden ? (c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c)) : null;
    }
}
