package io.xsnap.host.qemu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DomainInfo;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A memory save reports how far it is, in bytes of guest RAM, to whoever listens. */
@GuestTest
class ProgressOnGuestTest {
    @TempDir
    Path tmp;
    GuestLab lab;

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    @Test
    void memorySaveReportsBytesOfRam() {
        lab = new GuestLab(tmp);
        lab.start("web01", Disk.qcow2("xvda", lab.createDisk("a.qcow2", "qcow2", 8 << 20)));
        QemuDriver driver = new QemuDriver(lab.qemuDir(), lab.runner());
        List<long[]> updates = new ArrayList<>();
        driver.progress((what, done, total) -> {
            assertTrue(what.equals("memory of web01"), what);
            updates.add(new long[] {done, total});
        });
        DomainInfo d = driver.list().get(0);
        driver.pause(d);
        driver.saveMemory(d, tmp.resolve("mem/memory.save"), false);
        assertTrue(!updates.isEmpty(), "no progress reported");
        long[] last = updates.get(updates.size() - 1);
        assertTrue(last[1] >= 64L << 20 && last[0] > 0, "the last update counts guest RAM: " + last[0] + "/" + last[1]);
    }
}
