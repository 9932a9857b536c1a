package io.xsnap.host;

import java.util.List;

/**
 * What a driver needs to start a domain again after it was stopped for a revert.
 *
 * @param argv     qemu: the guest's command line as read from /proc/PID/cmdline; empty for xl
 * @param xlConfig xl: the domain config as JSON text (as `xl list -l` printed it); null for qemu
 */
public record RestartRecipe(List<String> argv, String xlConfig) {
    public RestartRecipe {
        argv = argv == null ? List.of() : List.copyOf(argv);
    }
}
