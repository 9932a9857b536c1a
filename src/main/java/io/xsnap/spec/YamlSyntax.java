package io.xsnap.spec;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

/** Says what is wrong with YAML that cannot be parsed, in words a person who wrote it can act on. */
final class YamlSyntax {
    /** Every syntax problem names this as its field. */
    static final String FIELD = "(yaml)";

    private static final Pattern RESERVED = Pattern.compile("found character '(.+?)' that cannot start any token");

    private YamlSyntax() {
    }

    static SpecProblem problem(String file, RuntimeException e) {
        MarkedYamlEngineException marked = marked(e);
        if (marked == null) {
            return new SpecProblem(where(file, e), FIELD, "cannot read this YAML: " + original(e));
        }
        SourceRef at = marked.getProblemMark().map(m -> ref(file, m)).orElseGet(() -> where(file, e));
        if (isMissingColon(marked) && marked.getContextMark().isPresent()) {
            // the scanner notices only on the next line; the line at fault is where the would-be key starts
            at = ref(file, marked.getContextMark().get());
        }
        return new SpecProblem(at, FIELD, "YAML syntax error: " + explain(marked));
    }

    private static boolean isMissingColon(MarkedYamlEngineException e) {
        return e.getProblem() != null && e.getProblem().startsWith("could not find expected ':'");
    }

    private static String explain(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem();
        String context = e.getContext() == null ? "" : e.getContext();
        String opened = e.getContextMark().map(m -> " (opened at line " + (m.getLine() + 1) + ", column "
                + (m.getColumn() + 1) + ")").orElse("");
        if (problem.contains("\\t(TAB)") || problem.contains("'\t'")) {
            return "a tab character; YAML indents with spaces only";
        }
        if (problem.startsWith("mapping values are not allowed")) {
            return "a ':' where no key can start; check the indentation of this line (keys of one mapping must"
                    + " line up) and quote values that contain ': '";
        }
        if (problem.startsWith("expected <block end>, but found '<scalar>'")) {
            return "more text after the end of a value; when a value is quoted, quote all of it";
        }
        if (problem.startsWith("expected <block end>")) {
            return "this line does not line up with the lines before it; indent keys of one mapping, and the"
                    + " '- ' items of one list, by the same number of spaces";
        }
        if (isMissingColon(e)) {
            return "expected 'key: value' on this line; put a space after the ':' of a key, and check the"
                    + " indentation";
        }
        if (problem.contains("but found '<stream end>'")) {
            return "the file ends where a value should follow; close every '[' with ']' and every '{' with '}'";
        }
        if (context.startsWith("while scanning a quoted scalar")) {
            return "a quoted string is not closed" + opened;
        }
        if (context.startsWith("while parsing a flow sequence")) {
            return "a '[' list is not closed with ']', or its items are not separated by ','" + opened;
        }
        if (context.startsWith("while parsing a flow mapping")) {
            return "a '{' mapping is not closed with '}', or its entries are not separated by ','" + opened;
        }
        Matcher reserved = RESERVED.matcher(problem);
        if (reserved.find()) {
            return "a plain value cannot start with '" + reserved.group(1) + "'; put the value in quotes";
        }
        return problem + (context.isEmpty() ? "" : " (" + context + opened.replace(" (", ", ").replace(")", "") + ")");
    }

    private static MarkedYamlEngineException marked(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException m) {
                return m;
            }
        }
        return null;
    }

    private static SourceRef where(String file, RuntimeException e) {
        TokenStreamLocation l = e instanceof JacksonException je ? je.getLocation() : null;
        return l == null || l.getLineNr() < 1
                ? new SourceRef(file, 1, 1)
                : new SourceRef(file, l.getLineNr(), Math.max(1, l.getColumnNr()));
    }

    private static String original(RuntimeException e) {
        String m = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
        return Optional.ofNullable(m).orElse(e.getClass().getSimpleName()).strip();
    }

    private static SourceRef ref(String file, Mark m) {
        return new SourceRef(file, m.getLine() + 1, m.getColumn() + 1);
    }
}
