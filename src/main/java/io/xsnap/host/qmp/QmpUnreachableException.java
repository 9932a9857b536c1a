package io.xsnap.host.qmp;

import io.xsnap.host.HostException;

/** Nobody listens on a QMP socket: the file is missing or the connection was refused (QEMU gone or starting). */
public final class QmpUnreachableException extends HostException {
    public QmpUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
