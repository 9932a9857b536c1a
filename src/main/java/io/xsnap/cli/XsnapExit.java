package io.xsnap.cli;

/** A failure that ends the command with a specific exit code and a message for people. */
public final class XsnapExit extends RuntimeException {
    private final int code;

    public XsnapExit(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
