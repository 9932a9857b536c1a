package io.xsnap.apply;

/**
 * TEST ONLY: stops xsnap at a journal step boundary so a test can kill it there with SIGKILL.
 *
 * <p>Inert unless the environment variable {@code XSNAP_TEST_KILL_AT} is set (never set it in production).
 * When it names a step (the first word of a journal entry's step, e.g. {@code save}, or the whole step,
 * e.g. {@code overlay xvdb}), the process stops right after that entry is fsynced, before the step runs:
 * it logs {@code xsnap-test: stopped at <step>} (a warning, on stderr) and waits to be killed. If no test
 * kills it within a minute it halts itself (exit 137), never running the step.
 */
final class TestKillSwitch {
    static final String ENV = "XSNAP_TEST_KILL_AT";
    static final String MARKER = "xsnap-test: stopped at ";
    private static final String AT = System.getenv(ENV);

    private TestKillSwitch() {
    }

    static void reached(String step) {
        if (AT == null || AT.isEmpty() || step == null) {
            return;
        }
        String first = step.contains(" ") ? step.substring(0, step.indexOf(' ')) : step;
        if (!AT.equals(step) && !AT.equals(first)) {
            return;
        }
        System.getLogger(TestKillSwitch.class.getName()).log(System.Logger.Level.WARNING, MARKER + step);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                break;
            }
        }
        Runtime.getRuntime().halt(137);
    }
}
