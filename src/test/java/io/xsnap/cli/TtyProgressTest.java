package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TtyProgressTest {
    @Test
    void rewritesOneLineAndEndsItWhenDone() {
        StringWriter out = new StringWriter();
        TtyProgress p = new TtyProgress(new PrintWriter(out));
        p.update("memory of web01", 0, 64L << 20);
        p.update("memory of web01", 1, 64L << 20); // throttled: within 200 ms of the last line
        p.update("memory of web01", 64L << 20, 64L << 20);
        p.update("block-commit of xvda", 5, 10);
        assertEquals("\r  memory of web01: 0% of 64.0 MiB\r  memory of web01: 100% of 64.0 MiB\n"
                + "\r  block-commit of xvda: 50% of 10 B", out.toString());
    }
}
