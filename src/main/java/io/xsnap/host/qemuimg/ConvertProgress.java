package io.xsnap.host.qemuimg;

import io.xsnap.host.Progress;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The progress meter of {@code qemu-img convert -p} (util/qemu-progress.c): it rewrites one line with
 * {@code "    (12.50/100%)\r"} as it goes, and ends it with a newline. Each reading becomes a {@link Progress} update
 * in bytes of the image's virtual size.
 */
final class ConvertProgress implements Consumer<String> {
    private static final Pattern READING = Pattern.compile("\\s*\\((\\d{1,3}(?:\\.\\d+)?)/100%\\)\\s*");

    private final Progress progress;
    private final String what;
    private final long total;

    ConvertProgress(Progress progress, String what, long total) {
        this.progress = progress;
        this.what = what;
        this.total = total;
    }

    /** The percentage one piece of output reads, or -1 when it is not a reading of the meter. */
    static double percent(String piece) {
        Matcher m = READING.matcher(piece);
        if (!m.matches()) {
            return -1;
        }
        double p = Double.parseDouble(m.group(1));
        return p > 100 ? -1 : p;
    }

    @Override
    public void accept(String piece) {
        double p = percent(piece);
        if (p >= 0) {
            progress.update(what, Math.round(total * p / 100), total);
        }
    }
}
