package io.xsnap.host.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Standard output handed on in pieces ending at \r or \n, and kept whole for the result. */
class OutputPiecesTest {
    @Test
    void piecesEndAtCarriageReturnsAndNewlinesWhereverTheChunksBreak() {
        List<String> pieces = new ArrayList<>();
        OutputPieces out = new OutputPieces(pieces::add);
        byte[] text = "  (1.00/100%)\r  (2.00/100%)\r\nline two\n\ntail".getBytes(StandardCharsets.UTF_8);
        out.write(text, 0, 5);
        out.write(text, 5, 12);
        out.write(text[17]);
        out.write(text, 18, text.length - 18);
        assertEquals(List.of("  (1.00/100%)", "  (2.00/100%)", "line two"), pieces, "the tail waits for its end");
        out.close();
        assertEquals(List.of("  (1.00/100%)", "  (2.00/100%)", "line two", "tail"), pieces);
        assertEquals(new String(text, StandardCharsets.UTF_8), new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    @Test
    void theRealRunnerStreamsPiecesAndStillReturnsTheWholeOutput() {
        List<String> pieces = new ArrayList<>();
        CommandResult r = new ExecRunner().run(Command.of("printf", "a\\rb\\nc").withTimeout(Duration.ofSeconds(30)),
                pieces::add);
        assertEquals(List.of("a", "b", "c"), pieces);
        assertEquals("a\rb\nc", r.stdoutText());
    }

    @Test
    void aRunnerWithoutStreamingHandsThePiecesOverAtTheEnd() {
        ProcessRunner canned = c -> new CommandResult(c, 0, "x\ry\n".getBytes(StandardCharsets.UTF_8), "");
        List<String> pieces = new ArrayList<>();
        canned.run(Command.of("anything"), pieces::add);
        assertEquals(List.of("x", "y"), pieces);
    }
}
