package io.xsnap.host;

/** Something on the host failed or is not as expected. The message is for people. */
public class HostException extends RuntimeException {
    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
