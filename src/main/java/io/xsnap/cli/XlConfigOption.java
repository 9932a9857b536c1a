package io.xsnap.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --xl-config FILE}, for the commands that take or revert a snapshot of one domain. */
final class XlConfigOption {
    @Option(names = "--xl-config", paramLabel = "FILE",
            description = "xl: the domain's xl config file (the one it was created from). A snapshot keeps its text; "
                    + "a revert restores with a copy whose disks point at the reverted layers (this file, when "
                    + "given, instead of the one the snapshot kept).")
    Path file;
}
