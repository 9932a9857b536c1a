package io.xsnap.render;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultPrettyPrinter;

/**
 * {@code {"format_version":1,"images":[{"path":…,"chain":[…],"error":…}]}}, streamed as it goes so that
 * thousands of images never sit in memory at once. Each chain element uses the keys of
 * {@code qemu-img info --output=json}, leaving out keys that do not apply as qemu-img does;
 * {@code format-specific} holds only what the header reader knows (compat, corrupt, data-file).
 *
 * <p>Written with Jackson's streaming generator rather than a {@code JsonMapper}: building a mapper loads
 * some 450 classes (over 200 ms), which would be most of the run time of {@code xsnap images} over
 * a thousand images.
 */
public final class ImagesJsonView implements ImagesView {
    public static final int FORMAT_VERSION = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final JsonGenerator out;
    private final Writer writer;

    /** Writes to {@code writer}, flushing but never closing it. */
    public ImagesJsonView(Writer writer) {
        this.writer = writer;
        this.out = new JsonFactory().createGenerator(new Pretty(), new UnclosableWriter(writer));
        out.writeStartObject();
        out.writeNumberProperty("format_version", FORMAT_VERSION);
        out.writeName("images");
        out.writeStartArray();
    }

    @Override
    public void image(String path, List<ImageInfo> chain, String error) {
        out.writeStartObject();
        out.writeStringProperty("path", path);
        out.writeName("chain");
        out.writeStartArray();
        for (ImageInfo info : chain) {
            writeImage(info);
        }
        out.writeEndArray();
        if (error != null) {
            out.writeStringProperty("error", error);
        }
        out.writeEndObject();
    }

    @Override
    public void finish() {
        out.writeEndArray();
        out.writeEndObject();
        out.close();
        try {
            writer.write(System.lineSeparator());
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One image as {@code qemu-img info --output=json} shows it (the facts a header holds). */
    private void writeImage(ImageInfo info) {
        out.writeStartObject();
        out.writeStringProperty("filename", info.path().toString());
        out.writeStringProperty("format", info.format());
        out.writeNumberProperty("virtual-size", info.virtualSize());
        if (info.clusterSize() > 0) {
            out.writeNumberProperty("cluster-size", info.clusterSize());
        }
        out.writeBooleanProperty("dirty-flag", info.dirty());
        if (info.backingFile() != null) {
            out.writeStringProperty("backing-filename", info.backingFile());
            if (info.backingPath() != null) {
                out.writeStringProperty("full-backing-filename", info.backingPath().toString());
            }
            if (info.backingFormat() != null) {
                out.writeStringProperty("backing-filename-format", info.backingFormat());
            }
        }
        if (!info.snapshots().isEmpty()) {
            out.writeName("snapshots");
            out.writeStartArray();
            for (InternalSnapshot s : info.snapshots()) {
                writeSnapshot(s);
            }
            out.writeEndArray();
        }
        if ("qcow2".equals(info.format())) {
            out.writeName("format-specific");
            out.writeStartObject();
            out.writeStringProperty("type", "qcow2");
            out.writeName("data");
            out.writeStartObject();
            out.writeStringProperty("compat", info.version() == 2 ? "0.10" : "1.1");
            if (info.dataFile() != null) {
                out.writeStringProperty("data-file", info.dataFile());
            }
            if (info.version() >= 3) {
                out.writeBooleanProperty("corrupt", info.corrupt());
            }
            out.writeEndObject();
            out.writeEndObject();
        }
        out.writeEndObject();
    }

    private void writeSnapshot(InternalSnapshot s) {
        out.writeStartObject();
        out.writeStringProperty("id", s.id());
        out.writeStringProperty("name", s.name());
        out.writeNumberProperty("vm-state-size", s.vmStateSize());
        out.writeNumberProperty("date-sec", s.dateSec());
        out.writeNumberProperty("date-nsec", s.dateNsec());
        out.writeNumberProperty("vm-clock-sec", s.vmClockNsec() / NANOS_PER_SECOND);
        out.writeNumberProperty("vm-clock-nsec", s.vmClockNsec() % NANOS_PER_SECOND);
        if (s.icount() != -1) {
            out.writeNumberProperty("icount", s.icount());
        }
        out.writeEndObject();
    }

    /** Indented output, like qemu-img's. */
    private static final class Pretty extends ObjectWriteContext.Base {
        @Override
        public PrettyPrinter getPrettyPrinter() {
            return new DefaultPrettyPrinter();
        }

        @Override
        public boolean hasPrettyPrinter() {
            return true;
        }
    }

    /** The caller's writer is usually standard output: flush it, never close it. */
    private static final class UnclosableWriter extends Writer {
        private final Writer target;

        UnclosableWriter(Writer target) {
            this.target = target;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            target.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            target.write(s, off, len);
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }

        @Override
        public void close() throws IOException {
            target.flush();
        }
    }
}
