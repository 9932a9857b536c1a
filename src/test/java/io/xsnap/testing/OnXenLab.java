package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame of a test of the xl driver on the test-only stand-in, like {@link OnGuests} for the qemu driver: a
 * {@link XenLab} in a temp dir, a store beside it, and every QEMU it started killed afterwards.
 */
@GuestTest
public abstract class OnXenLab {
    protected static final long MIB = 1 << 20;
    protected static final long K64 = 64 * 1024;

    @TempDir
    protected Path tmp;
    protected XenLab lab;
    protected Path store;

    @BeforeEach
    void startXenLab() {
        lab = new XenLab(tmp);
        store = tmp.resolve("store");
    }

    @AfterEach
    void stopXenLab() {
        lab.close();
    }

    /** The command succeeded; its output is in the message when it did not. */
    protected static void ok(Cli.Run r) {
        assertEquals(0, r.code(), r.toString());
    }
}
