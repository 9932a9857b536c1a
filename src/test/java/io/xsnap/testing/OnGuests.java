package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame of a test on real guests through the CLI: a {@link GuestLab} in a temp dir, a store beside it,
 * a {@link Cli} and an {@link XsnapProcess} pointed at both, and every guest killed afterwards.
 */
@GuestTest
public abstract class OnGuests {
    @TempDir
    protected Path tmp;
    protected GuestLab lab;
    protected Path store;
    protected Cli cli;
    /** xsnap as a separate JVM on the same store and qemu dir, for tests that kill it. */
    protected XsnapProcess xsnap;

    @BeforeEach
    void startLab() {
        lab = new GuestLab(tmp);
        store = tmp.resolve("store");
        cli = new Cli(store, lab.qemuDir());
        xsnap = new XsnapProcess(store, lab.qemuDir(), tmp);
    }

    @AfterEach
    void stopLab() {
        lab.close();
    }

    /** The command succeeded; its output is in the message when it did not. */
    protected static void ok(Cli.Run r) {
        assertEquals(0, r.code(), r.toString());
    }
}
