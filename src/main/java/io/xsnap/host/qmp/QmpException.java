package io.xsnap.host.qmp;

import io.xsnap.host.HostException;

/** QEMU answered a QMP command with an error; the message names the command and QEMU's class and text. */
public final class QmpException extends HostException {
    private final String command;
    private final String errorClass;
    private final String desc;

    public QmpException(String where, String command, String errorClass, String desc) {
        super(where + ": QMP " + command + " failed: " + errorClass + ": " + desc);
        this.command = command;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public String command() {
        return command;
    }

    /** QEMU's error class, e.g. GenericError, CommandNotFound, DeviceNotFound. */
    public String errorClass() {
        return errorClass;
    }

    /** QEMU's human-readable error text. */
    public String desc() {
        return desc;
    }
}
