package io.xsnap.spec;

import java.util.List;
import java.util.stream.Collectors;

/** All the problems found in a set of spec files, reported at once. */
public final class SpecException extends Exception {
    private final transient List<SpecProblem> problems;

    public SpecException(List<SpecProblem> problems) {
        super(problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<SpecProblem> problems() {
        return problems;
    }
}
