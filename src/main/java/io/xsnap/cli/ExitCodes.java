package io.xsnap.cli;

/** Exit codes are API: every code xsnap returns is named here (sysexits where one fits). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    /** With --detailed-exitcode: the plan has changes. */
    public static final int CHANGES = 2;
    public static final int USAGE = 64;
    /** A spec (or other input) is invalid. */
    public static final int DATAERR = 65;
    /** An input file or directory does not exist. */
    public static final int NOINPUT = 66;
    /** Another xsnap run holds the host lock. */
    public static final int LOCKED = 75;
    /** A saved plan no longer matches the host, or a change was refused (e.g. needs --force). */
    public static final int REFUSED = 76;

    /**
     * The exit code of a plan with errors, from its findings' codes: refused when a finding is
     * {@link io.xsnap.plan.Finding.Code#NEEDS_FORCE} (the change is refused without --force), else error.
     */
    public static int ofErrors(io.xsnap.plan.Plan plan) {
        return plan.findings().stream().anyMatch(f -> f.code() == io.xsnap.plan.Finding.Code.NEEDS_FORCE)
                ? REFUSED : ERROR;
    }

    private ExitCodes() {
    }
}
