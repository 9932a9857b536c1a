package io.xsnap.cli;

import io.xsnap.host.HostException;
import io.xsnap.spec.SpecException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/** The one place an exception becomes a message on stderr and an exit code. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IExitCodeExceptionMapper {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        if (ex instanceof SpecException e) {
            e.problems().forEach(cl.getErr()::println);
        } else if (expected(ex)) {
            cl.getErr().println("xsnap: " + message(ex));
        } else {
            cl.getErr().println("xsnap: internal error (a bug; please report it with this trace):");
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return getExitCode(ex);
    }

    @Override
    public int getExitCode(Throwable ex) {
        if (ex instanceof SpecException) {
            return ExitCodes.DATAERR;
        }
        if (ex instanceof NoSuchFileException) {
            return ExitCodes.NOINPUT;
        }
        if (ex instanceof XsnapExit e) {
            return e.code();
        }
        if (ex instanceof CommandLine.ParameterException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.ERROR;
    }

    private static boolean expected(Exception ex) {
        return ex instanceof HostException || ex instanceof XsnapExit || ex instanceof java.io.IOException
                || ex instanceof java.io.UncheckedIOException;
    }

    private static String message(Exception ex) {
        if (ex instanceof HostException || ex instanceof XsnapExit) {
            return ex.getMessage();
        }
        if (ex instanceof NoSuchFileException e) {
            return e.getFile() + ": " + (e.getReason() == null ? "no such file or directory" : e.getReason());
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
    }
}
