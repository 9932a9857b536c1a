package io.xsnap.apply;

/** Where apply tells people what it is doing (stderr in the CLI; a list in tests). */
@FunctionalInterface
public interface Reporter {
    void say(String line);
}
