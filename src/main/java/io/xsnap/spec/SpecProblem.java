package io.xsnap.spec;

/** One thing wrong with a spec: where, which field (a JSON pointer-ish path), and what was expected. */
public record SpecProblem(SourceRef where, String field, String message) {
    @Override
    public String toString() {
        return where + ": " + field + ": " + message;
    }
}
