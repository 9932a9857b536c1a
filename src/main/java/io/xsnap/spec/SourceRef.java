package io.xsnap.spec;

/** A place in a spec file: 1-based line and column. */
public record SourceRef(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
