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

    @Option(names = "--xen-run-dir", paramLabel = "DIR", defaultValue = "${env:XSNAP_XEN_RUN_DIR:-/var/run/xen}",
            description = "xl: Xen's run directory, where the device models' qmp-libxl-DOMID sockets are "
                    + "(env XSNAP_XEN_RUN_DIR; default ${DEFAULT-VALUE}).")
    public Path xenRunDir;

    @Option(names = "--trust-dir", paramLabel = "DIR",
            defaultValue = "${env:XSNAP_TRUST_DIR:-/var/lib/xsnap/.trust}",
            description = "Where xsnap keeps, across reboots, its records of the files it made outside the store "
                    + "(0700, the running user's; env XSNAP_TRUST_DIR; default ${DEFAULT-VALUE}).")
    public Path trustDir;

    @Option(names = "--xl", paramLabel = "PATH", defaultValue = "${env:XSNAP_XL:-xl}", hidden = true,
            description = "xl: the xl program to run (env XSNAP_XL; default ${DEFAULT-VALUE}).")
    public String xl;
}
