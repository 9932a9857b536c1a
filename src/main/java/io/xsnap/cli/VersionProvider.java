package io.xsnap.cli;

import picocli.CommandLine;

/** The version from the jar manifest ("dev" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"xsnap " + (v == null ? "dev" : v)};
    }
}
