package io.xsnap.cli;

import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Loads specs for a command: a missing path ends with exit 66, invalid specs with exit 65. */
final class Specs {
    private Specs() {
    }

    static Desired load(List<Path> paths) throws SpecException {
        try {
            return new SpecLoader().load(paths);
        } catch (NoSuchFileException e) {
            throw new XsnapExit(ExitCodes.NOINPUT, e.getFile() + ": no such file or directory");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
