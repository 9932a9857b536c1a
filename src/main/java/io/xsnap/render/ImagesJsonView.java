package io.xsnap.render;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code {"format_version":1,"images":[{"path":…,"chain":[…],"error":…}]}}, written as it goes so that
 * thousands of images never sit in memory at once. Each chain element uses the keys of
 * {@code qemu-img info --output=json}, leaving out keys that do not apply as qemu-img does;
 * {@code format-specific} holds only what the header reader knows (compat, corrupt, data-file).
 */
public final class ImagesJsonView implements ImagesView {
    public static final int FORMAT_VERSION = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final JsonMapper mapper;
    private final JsonGenerator out;
    private final Writer writer;

    /** Writes to {@code writer} without closing it. */
    public ImagesJsonView(JsonMapper mapper, Writer writer) {
        this.mapper = mapper;
        this.writer = writer;
        this.out = mapper.writerWithDefaultPrettyPrinter().createGenerator(new UnclosableWriter(writer));
        out.writeStartObject();
        out.writeNumberProperty("format_version", FORMAT_VERSION);
        out.writeName("images");
        out.writeStartArray();
    }

    @Override
    public void image(String path, List<ImageInfo> chain, String error) {
        ObjectNode entry = mapper.createObjectNode();
        entry.put("path", path);
        ArrayNode images = entry.putArray("chain");
        for (ImageInfo info : chain) {
            images.add(imageNode(info));
        }
        if (error != null) {
            entry.put("error", error);
        }
        out.writeTree(entry);
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
    public ObjectNode imageNode(ImageInfo info) {
        ObjectNode n = mapper.createObjectNode();
        n.put("filename", info.path().toString());
        n.put("format", info.format());
        n.put("virtual-size", info.virtualSize());
        if (info.clusterSize() > 0) {
            n.put("cluster-size", info.clusterSize());
        }
        n.put("dirty-flag", info.dirty());
        if (info.backingFile() != null) {
            n.put("backing-filename", info.backingFile());
            if (info.backingPath() != null) {
                n.put("full-backing-filename", info.backingPath().toString());
            }
            if (info.backingFormat() != null) {
                n.put("backing-filename-format", info.backingFormat());
            }
        }
        if (!info.snapshots().isEmpty()) {
            ArrayNode snapshots = n.putArray("snapshots");
            for (InternalSnapshot s : info.snapshots()) {
                snapshots.add(snapshotNode(s));
            }
        }
        if ("qcow2".equals(info.format())) {
            ObjectNode specific = n.putObject("format-specific");
            specific.put("type", "qcow2");
            ObjectNode data = specific.putObject("data");
            data.put("compat", info.version() == 2 ? "0.10" : "1.1");
            if (info.dataFile() != null) {
                data.put("data-file", info.dataFile());
            }
            if (info.version() >= 3) {
                data.put("corrupt", info.corrupt());
            }
        }
        return n;
    }

    private ObjectNode snapshotNode(InternalSnapshot s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", s.id());
        n.put("name", s.name());
        n.put("vm-state-size", s.vmStateSize());
        n.put("date-sec", s.dateSec());
        n.put("date-nsec", s.dateNsec());
        n.put("vm-clock-sec", s.vmClockNsec() / NANOS_PER_SECOND);
        n.put("vm-clock-nsec", s.vmClockNsec() % NANOS_PER_SECOND);
        if (s.icount() != -1) {
            n.put("icount", s.icount());
        }
        return n;
    }

    /** The view flushes but never closes the caller's writer (it is usually standard output). */
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
