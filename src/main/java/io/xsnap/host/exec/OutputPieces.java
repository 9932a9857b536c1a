package io.xsnap.host.exec;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A command's standard output as it comes: every byte is kept (for the {@link CommandResult}), and each piece of
 * text ending in {@code \r} or {@code \n} is handed to a listener at once, without its end. Progress meters rewrite
 * their line with {@code \r}, so a piece is one reading of the meter. Empty pieces are not handed on.
 */
final class OutputPieces extends OutputStream {
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private final ByteArrayOutputStream piece = new ByteArrayOutputStream();
    private final Consumer<String> listener;

    OutputPieces(Consumer<String> listener) {
        this.listener = listener;
    }

    @Override
    public synchronized void write(int b) {
        all.write(b);
        if (b == '\r' || b == '\n') {
            flushPiece();
        } else {
            piece.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    /** Hands on what is left after the last line end. */
    @Override
    public synchronized void close() {
        flushPiece();
    }

    synchronized byte[] toByteArray() {
        return all.toByteArray();
    }

    private void flushPiece() {
        if (piece.size() > 0) {
            String text = piece.toString(StandardCharsets.UTF_8);
            piece.reset();
            listener.accept(text);
        }
    }

    /** The pieces of a whole output, for runners that only have it at the end. */
    static void split(byte[] output, Consumer<String> listener) {
        OutputPieces pieces = new OutputPieces(listener);
        pieces.write(output, 0, output.length);
        pieces.close();
    }
}
