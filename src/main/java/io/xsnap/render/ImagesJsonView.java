package io.xsnap.render;

import io.xsnap.host.image.ImageDetails;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.xl.XlDomain;
import io.xsnap.host.xl.XlSaveFile;
import io.xsnap.host.image.InternalSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code {"format_version":1,"images":[{"path":…,"chain":[…],"error":…}]}}, compact (pipe it through
 * {@code jq} to read it), streamed as it goes so that thousands of images never sit in memory at once. Each chain element uses the keys of
 * {@code qemu-img info --output=json}, leaving out keys that do not apply as qemu-img does;
 * {@code format-specific} holds what the header says (compat, compression-type, lazy-refcounts, refcount-bits,
 * data-file, data-file-raw, corrupt, extended-l2; not bitmaps nor the LUKS details of encrypt).
 *
 * <p>Written with Jackson's streaming generator rather than a {@code JsonMapper}: building a mapper loads
 * some 450 classes (over 200 ms), which would be most of the run time of {@code xsnap images} over
 * a thousand images.
 */
public final class ImagesJsonView implements ImagesView {
    public static final int FORMAT_VERSION = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    // Property names, quoted once: the generator then copies them without escaping.
    private static final SerializableString K_BACKING_FILENAME = new SerializedString("backing-filename");
    private static final SerializableString K_BACKING_FILENAME_FORMAT = new SerializedString("backing-filename-format");
    private static final SerializableString K_CHAIN = new SerializedString("chain");
    private static final SerializableString K_CLUSTER_SIZE = new SerializedString("cluster-size");
    private static final SerializableString K_COMPAT = new SerializedString("compat");
    private static final SerializableString K_COMPRESSION_TYPE = new SerializedString("compression-type");
    private static final SerializableString K_CORRUPT = new SerializedString("corrupt");
    private static final SerializableString K_DATA_FILE_RAW = new SerializedString("data-file-raw");
    private static final SerializableString K_ENCRYPTED = new SerializedString("encrypted");
    private static final SerializableString K_EXTENDED_L2 = new SerializedString("extended-l2");
    private static final SerializableString K_LAZY_REFCOUNTS = new SerializedString("lazy-refcounts");
    private static final SerializableString K_REFCOUNT_BITS = new SerializedString("refcount-bits");
    private static final SerializableString K_DATA = new SerializedString("data");
    private static final SerializableString K_DATA_FILE = new SerializedString("data-file");
    private static final SerializableString K_DATE_NSEC = new SerializedString("date-nsec");
    private static final SerializableString K_DATE_SEC = new SerializedString("date-sec");
    private static final SerializableString K_DIRTY_FLAG = new SerializedString("dirty-flag");
    private static final SerializableString K_ERROR = new SerializedString("error");
    private static final SerializableString K_FILENAME = new SerializedString("filename");
    private static final SerializableString K_FORMAT = new SerializedString("format");
    private static final SerializableString K_FORMAT_SPECIFIC = new SerializedString("format-specific");
    private static final SerializableString K_FORMAT_VERSION = new SerializedString("format_version");
    private static final SerializableString K_FULL_BACKING_FILENAME = new SerializedString("full-backing-filename");
    private static final SerializableString K_ICOUNT = new SerializedString("icount");
    private static final SerializableString K_ID = new SerializedString("id");
    private static final SerializableString K_IMAGES = new SerializedString("images");
    private static final SerializableString K_NAME = new SerializedString("name");
    private static final SerializableString K_PATH = new SerializedString("path");
    private static final SerializableString K_SNAPSHOTS = new SerializedString("snapshots");
    private static final SerializableString K_TYPE = new SerializedString("type");
    private static final SerializableString K_VIRTUAL_SIZE = new SerializedString("virtual-size");
    private static final SerializableString K_VM_CLOCK_NSEC = new SerializedString("vm-clock-nsec");
    private static final SerializableString K_VM_CLOCK_SEC = new SerializedString("vm-clock-sec");
    private static final SerializableString K_VM_STATE_SIZE = new SerializedString("vm-state-size");

    private final JsonGenerator out;
    private final Writer writer;

    /** Writes to {@code writer}, flushing but never closing it. */
    public ImagesJsonView(Writer writer) {
        this.writer = writer;
        this.out = new JsonFactory().createGenerator(ObjectWriteContext.empty(), new UnclosableWriter(writer));
        out.writeStartObject();
        out.writeName(K_FORMAT_VERSION);
        out.writeNumber(FORMAT_VERSION);
        out.writeName(K_IMAGES);
        out.writeStartArray();
    }

    @Override
    public void image(String path, List<ImageInfo> chain, String error) {
        out.writeStartObject();
        out.writeName(K_PATH);
        out.writeString(path);
        out.writeName(K_CHAIN);
        out.writeStartArray();
        for (ImageInfo info : chain) {
            writeImage(info);
        }
        out.writeEndArray();
        if (error != null) {
            out.writeName(K_ERROR);
            out.writeString(error);
        }
        out.writeEndObject();
    }

    /** {@code {path, chain: [], xl_save: {domain, uuid, type, byte_order, flags, config_bytes, stream_offset, disks}}}. */
    @Override
    public void saveFile(String path, XlSaveFile file) {
        out.writeStartObject();
        out.writeName(K_PATH);
        out.writeString(path);
        out.writeName(K_CHAIN);
        out.writeStartArray();
        out.writeEndArray();
        out.writeName("xl_save");
        out.writeStartObject();
        out.writeStringProperty("domain", file.domainName());
        out.writeStringProperty("uuid", file.uuid());
        out.writeStringProperty("type", file.type());
        out.writeStringProperty("byte_order", file.bigEndian() ? "big-endian" : "little-endian");
        out.writeNumberProperty("mandatory_flags", file.mandatoryFlags());
        out.writeNumberProperty("optional_flags", file.optionalFlags());
        out.writeNumberProperty("config_bytes", file.optionalDataLength() - 4);
        out.writeNumberProperty("stream_offset", file.streamOffset());
        out.writeNumberProperty("file_size", file.fileSize());
        out.writeName("disks");
        out.writeStartArray();
        for (XlDomain.Disk d : file.disks()) {
            out.writeStartObject();
            out.writeStringProperty("vdev", d.vdev());
            out.writeStringProperty("target", d.target().toString());
            out.writeStringProperty("format", d.format());
            out.writeStringProperty("backend", d.backend());
            out.writeBooleanProperty("read_only", d.readOnly());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
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
        ImageDetails d = info.details();
        out.writeName(K_FILENAME);
        out.writeString(info.filename());
        out.writeName(K_FORMAT);
        out.writeString(info.format());
        out.writeName(K_VIRTUAL_SIZE);
        out.writeNumber(info.virtualSize());
        if (info.clusterSize() > 0) {
            out.writeName(K_CLUSTER_SIZE);
            out.writeNumber(info.clusterSize());
        }
        out.writeName(K_DIRTY_FLAG);
        out.writeBoolean(info.dirty());
        if (info.backingFile() != null) {
            out.writeName(K_BACKING_FILENAME);
            out.writeString(info.backingFile());
            String full = d != null ? d.fullBackingFilename()
                    : info.backingPath() != null ? info.backingPath().toString() : null;
            if (full != null) {
                out.writeName(K_FULL_BACKING_FILENAME);
                out.writeString(full);
            }
            if (info.backingFormat() != null) {
                out.writeName(K_BACKING_FILENAME_FORMAT);
                out.writeString(info.backingFormat());
            }
        }
        if (!info.snapshots().isEmpty()) {
            out.writeName(K_SNAPSHOTS);
            out.writeStartArray();
            for (InternalSnapshot s : info.snapshots()) {
                writeSnapshot(s);
            }
            out.writeEndArray();
        }
        if ("qcow2".equals(info.format())) {
            out.writeName(K_FORMAT_SPECIFIC);
            out.writeStartObject();
            out.writeName(K_TYPE);
            out.writeString("qcow2");
            out.writeName(K_DATA);
            out.writeStartObject();
            out.writeName(K_COMPAT);
            out.writeString(info.version() == 2 ? "0.10" : "1.1");
            if (d != null) {
                out.writeName(K_COMPRESSION_TYPE);
                out.writeString(d.compressionType());
                if (info.version() >= 3) {
                    out.writeName(K_LAZY_REFCOUNTS);
                    out.writeBoolean(d.lazyRefcounts());
                }
                out.writeName(K_REFCOUNT_BITS);
                out.writeNumber(d.refcountBits());
            }
            if (info.dataFile() != null) {
                out.writeName(K_DATA_FILE);
                out.writeString(info.dataFile());
            }
            if (d != null && d.externalDataFile()) {
                out.writeName(K_DATA_FILE_RAW);
                out.writeBoolean(d.dataFileRaw());
            }
            if (info.version() >= 3) {
                out.writeName(K_CORRUPT);
                out.writeBoolean(info.corrupt());
                if (d != null) {
                    out.writeName(K_EXTENDED_L2);
                    out.writeBoolean(d.extendedL2());
                }
            }
            out.writeEndObject();
            out.writeEndObject();
        }
        if (d != null && d.encrypted()) {
            out.writeName(K_ENCRYPTED);
            out.writeBoolean(true);
        }
        out.writeEndObject();
    }

    private void writeSnapshot(InternalSnapshot s) {
        out.writeStartObject();
        out.writeName(K_ID);
        out.writeString(s.id());
        out.writeName(K_NAME);
        out.writeString(s.name());
        out.writeName(K_VM_STATE_SIZE);
        out.writeNumber(s.vmStateSize());
        out.writeName(K_DATE_SEC);
        out.writeNumber(s.dateSec());
        out.writeName(K_DATE_NSEC);
        out.writeNumber(s.dateNsec());
        // qemu divides the u64 clock, then prints the quotient and remainder as signed 64-bit numbers
        out.writeName(K_VM_CLOCK_SEC);
        out.writeNumber(Long.divideUnsigned(s.vmClockNsec(), NANOS_PER_SECOND));
        out.writeName(K_VM_CLOCK_NSEC);
        out.writeNumber(Long.remainderUnsigned(s.vmClockNsec(), NANOS_PER_SECOND));
        if (s.icount() != -1) {
            out.writeName(K_ICOUNT);
            out.writeNumber(s.icount());
        }
        out.writeEndObject();
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
