package io.xsnap.host.exec;

import java.nio.charset.StandardCharsets;

/** What a finished command left: its exit code and captured output. */
public record CommandResult(Command command, int exitCode, byte[] stdout, String stderr) {
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
