package io.xsnap.host;

import java.util.List;

/**
 * What a driver needs to start a domain again after it was stopped for a revert.
 *
 * @param argv         qemu: the guest's command line as read from /proc/PID/cmdline; empty for xl
 * @param xlConfig     xl: the domain config as JSON text (as `xl list -l` printed it); null for qemu. A clone's
 *                     recipe keeps its source's here: the config the snapshot's memory file was saved with
 * @param xlConfigFile xl: the domain's xl config file (xl.cfg syntax) the snapshot was taken with, or null when
 *                     none was named
 * @param xlConfigText xl: that file's text at snapshot time, from which a revert derives the restore config
 */
public record RestartRecipe(List<String> argv, String xlConfig, String xlConfigFile, String xlConfigText) {
    public RestartRecipe {
        argv = argv == null ? List.of() : List.copyOf(argv);
    }

    public RestartRecipe(List<String> argv, String xlConfig) {
        this(argv, xlConfig, null, null);
    }
}
