package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandException;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ProcessRunner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A {@link ProcessRunner} for unit tests: an ordered list of expected argument lists, each with canned
 * output. A call that does not match the next expectation fails the test; {@link #assertDone()} checks
 * that every expected call was made. Exit codes are judged like the real runner (accepted codes throw
 * nothing, others throw {@link CommandException}).
 *
 * <pre>
 * ScriptedRunner runner = new ScriptedRunner()
 *         .expect(List.of("qemu-img", "info", "--output=json", "a.qcow2"), 0, "{\"format\":\"qcow2\"}", "");
 * ... code under test ...
 * runner.assertDone();
 * </pre>
 */
public final class ScriptedRunner implements ProcessRunner {
    private record Expected(List<String> argv, int exitCode, String stdout, String stderr) {
    }

    private final Deque<Expected> script = new ArrayDeque<>();

    /** Expects this exact argv next; it exits 0 with no output. */
    public ScriptedRunner expect(List<String> argv) {
        return expect(argv, 0, "", "");
    }

    /** Expects this exact argv next and answers with the given exit code and output. */
    public ScriptedRunner expect(List<String> argv, int exitCode, String stdout, String stderr) {
        script.addLast(new Expected(List.copyOf(argv), exitCode, stdout, stderr));
        return this;
    }

    @Override
    public CommandResult run(Command command) {
        Expected next = script.pollFirst();
        if (next == null) {
            fail("unexpected command: " + command.display());
        }
        assertEquals(next.argv(), command.argv(), "argv of the next command");
        CommandResult result = new CommandResult(command, next.exitCode(),
                next.stdout().getBytes(StandardCharsets.UTF_8), next.stderr());
        if (!command.okExitCodes().contains(next.exitCode())) {
            throw new CommandException(command, result, "exit code " + next.exitCode());
        }
        return result;
    }

    /** Every expected command was run. */
    public void assertDone() {
        assertTrue(script.isEmpty(), "commands expected but not run: " + script);
    }
}
