package io.xsnap.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that touches or observes a host shares. */
public final class HostOptions {
    @Option(names = "--store", paramLabel = "DIR", defaultValue = "${env:XSNAP_STORE:-/var/lib/xsnap}",
            description = "Snapshot store root (env XSNAP_STORE; default ${DEFAULT-VALUE}).")
    public Path store;

    @Option(names = "--driver", paramLabel = "NAME", defaultValue = "${env:XSNAP_DRIVER:-auto}",
            description = "Domain driver: qemu, xl or auto (xl when /proc/xen and xl exist; default ${DEFAULT-VALUE}).")
    public String driver;

    @Option(names = "--qemu-dir", paramLabel = "DIR", defaultValue = "${env:XSNAP_QEMU_DIR:-/run/xsnap/qemu}",
            description = "Where qemu guests keep NAME.qmp and NAME.pid (env XSNAP_QEMU_DIR; default ${DEFAULT-VALUE}).")
    public Path qemuDir;
}
