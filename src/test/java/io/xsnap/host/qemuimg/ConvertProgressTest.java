package io.xsnap.host.qemuimg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.ExecRunner;
import io.xsnap.testing.ScriptedRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress meter of {@code qemu-img convert -p}, read into byte counts for a backup's export. */
class ConvertProgressTest {
    /** What qemu-img 7.2 printed for a 64 MiB image (captured with od -c): readings ended by \r, the last by \r\n. */
    static final String METER = "    (0.00/100%)\r    (6.25/100%)\r    (12.50/100%)\r    (93.75/100%)\r"
            + "    (100.00/100%)\r    (100.00/100%)\r\n";

    @Test
    void readsEachReadingOfTheMeterAndNothingElse() {
        assertEquals(0.0, ConvertProgress.percent("    (0.00/100%)"));
        assertEquals(12.5, ConvertProgress.percent("    (12.50/100%)"));
        assertEquals(100.0, ConvertProgress.percent("    (100.00/100%)"));
        assertEquals(7.0, ConvertProgress.percent("(7/100%)"));
        for (String other : List.of("", "    ", "qemu-img: error while writing", "(12.50/100)", "(12.50%)",
                "(101.00/100%)", "(1e3/100%)", "    (12.50/100%) trailing")) {
            assertEquals(-1.0, ConvertProgress.percent(other), other);
        }
    }

    @Test
    void anExportReportsTheMeterInBytesOfTheVirtualSizeAndRunsWithoutQuiet() {
        ScriptedRunner runner = new ScriptedRunner().expect(List.of("qemu-img", "convert", "-p", "-U", "-c", "-f", "raw",
                "-O", "qcow2", "/s/frozen.raw", "/backup/xvdb.qcow2"), 0, METER, "");
        QemuImg img = new QemuImg(runner);
        List<String> updates = new ArrayList<>();
        img.progress((what, done, total) -> updates.add(what + " " + done + "/" + total));
        img.export(Path.of("/s/frozen.raw"), "raw", Path.of("/backup/xvdb.qcow2"), "qcow2", true, 1600);
        runner.assertDone();
        assertEquals(List.of("export to xvdb.qcow2 0/1600", "export to xvdb.qcow2 100/1600", "export to xvdb.qcow2 200/1600",
                "export to xvdb.qcow2 1500/1600", "export to xvdb.qcow2 1600/1600", "export to xvdb.qcow2 1600/1600"), updates);
    }

    /** The real qemu-img through the real runner: the meter arrives and ends at the whole size. */
    @Test
    void theRealMeterEndsAtTheWholeSize(@TempDir Path dir) {
        QemuImg img = new QemuImg(new ExecRunner());
        Path source = dir.resolve("a.qcow2");
        img.create(source, "qcow2", 4 << 20);
        List<long[]> updates = new ArrayList<>();
        img.progress((what, done, total) -> updates.add(new long[] {done, total}));
        img.export(source, "qcow2", dir.resolve("b.raw"), "raw", false, 4 << 20);
        assertTrue(updates.size() >= 2, "at least the first and the last reading: " + updates.size());
        long[] last = updates.get(updates.size() - 1);
        assertEquals(4 << 20, last[0]);
        assertEquals(4 << 20, last[1]);
        assertEquals(0, updates.get(0)[0]);
    }
}
