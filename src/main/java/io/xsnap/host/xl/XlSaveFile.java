package io.xsnap.host.xl;

import io.xsnap.host.HostException;
import io.xsnap.host.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The header of an {@code xl save} file, read natively (tools/xl/xl.h, xl_saverestore.c): a 32-byte magic,
 * four u32 in the saving host's byte order (byteorder 0x01020304, mandatory flags, optional flags, optional
 * data length), then the optional data: u32 config length and the domain config as JSON (NUL included).
 * The libxc stream follows.
 *
 * <p>Reading is bounded: at most {@link #MAX_OPTIONAL_DATA} bytes of optional data are ever allocated,
 * whatever the file claims; anything malformed is an {@link ImageException} naming the file.
 *
 * @param bigEndian     the saving host was big-endian
 * @param configJson    the domain config as xl saved it (libxl_domain_config JSON)
 * @param streamOffset  where the libxc stream starts
 */
public record XlSaveFile(Path path, boolean bigEndian, int mandatoryFlags, int optionalFlags, long optionalDataLength,
                         String configJson, JsonNode config, long streamOffset, long fileSize) {
    public static final byte[] MAGIC = "Xen saved domain, xl format\n \0 \r".getBytes(StandardCharsets.ISO_8859_1);
    public static final int BYTEORDER = 0x01020304;
    public static final int FLAG_JSON = 1;
    public static final int FLAG_STREAM_V2 = 1 << 1;
    public static final int HEADER_SIZE = 48;
    /** A domain config is a few KiB; refuse to allocate more than this for it. */
    public static final int MAX_OPTIONAL_DATA = 4 << 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Whether the file starts with the xl save magic (false for a short or unreadable file). */
    public static boolean looksLikeSaveFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(MAGIC.length);
            while (head.hasRemaining() && ch.read(head) > 0) {
                // fill
            }
            return !head.hasRemaining() && Arrays.equals(head.array(), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads and checks the header and the config JSON. */
    public static XlSaveFile read(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            throw new ImageException(file, Files.exists(file) ? "not a regular file" : "no such file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer header = readFully(ch, file, 0, HEADER_SIZE, "the 48-byte header");
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new ImageException(file, "not an xl save file (wrong magic)");
            }
            header.order(ByteOrder.LITTLE_ENDIAN);
            int order = header.getInt(32);
            boolean big;
            if (order == BYTEORDER) {
                big = false;
            } else if (Integer.reverseBytes(order) == BYTEORDER) {
                big = true;
                header.order(ByteOrder.BIG_ENDIAN);
            } else {
                throw new ImageException(file, String.format("xl save file with an unknown byte order mark 0x%08x",
                        order));
            }
            int mandatory = header.getInt(36);
            int optional = header.getInt(40);
            long optionalLength = Integer.toUnsignedLong(header.getInt(44));
            if ((mandatory & ~(FLAG_JSON | FLAG_STREAM_V2)) != 0) {
                throw new ImageException(file, String.format("xl save file with unknown mandatory flags 0x%x "
                        + "(a newer xl wrote it)", mandatory));
            }
            if ((mandatory & FLAG_JSON) == 0) {
                throw new ImageException(file, "xl save file without a JSON domain config (written by an old xl)");
            }
            if (optionalLength < 4) {
                throw new ImageException(file, "xl save file: optional data of " + optionalLength
                        + " bytes cannot hold the config length");
            }
            if (optionalLength > MAX_OPTIONAL_DATA) {
                throw new ImageException(file, "xl save file: optional data of " + optionalLength + " bytes is over "
                        + "the " + MAX_OPTIONAL_DATA + "-byte limit (corrupt?)");
            }
            if (HEADER_SIZE + optionalLength > size) {
                throw new ImageException(file, "xl save file: truncated: optional data of " + optionalLength
                        + " bytes, but the file has " + size + " bytes");
            }
            ByteBuffer data = readFully(ch, file, HEADER_SIZE, (int) optionalLength, "the optional data")
                    .order(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long configLength = Integer.toUnsignedLong(data.getInt(0));
            if (configLength == 0 || configLength > optionalLength - 4) {
                throw new ImageException(file, "xl save file: config length " + configLength
                        + " does not fit the optional data of " + optionalLength + " bytes");
            }
            byte[] raw = new byte[(int) configLength];
            data.position(4);
            data.get(raw);
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            String text = new String(raw, 0, end, StandardCharsets.UTF_8);
            JsonNode config;
            try {
                config = JSON.readTree(text);
            } catch (JacksonException e) {
                throw new ImageException(file, "xl save file: the domain config is not JSON: " + e.getOriginalMessage());
            }
            if (config == null || !config.isObject()) {
                throw new ImageException(file, "xl save file: the domain config is not a JSON object");
            }
            return new XlSaveFile(file, big, mandatory, optional, optionalLength, text, config,
                    HEADER_SIZE + optionalLength, size);
        } catch (IOException e) {
            throw new ImageException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(FileChannel ch, Path file, long at, int length, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, at + buf.position()) < 0) {
                throw new ImageException(file, "truncated: ends inside " + what);
            }
        }
        return buf.flip();
    }

    /** c_info.name: the domain the file was saved from. */
    public String domainName() {
        return config.path("c_info").path("name").asString("");
    }

    /** c_info.uuid, or "" when left out. */
    public String uuid() {
        return config.path("c_info").path("uuid").asString("");
    }

    /** c_info.type: hvm, pv or pvh ("" when left out). */
    public String type() {
        return config.path("c_info").path("type").asString("");
    }

    /** The disks the saved config names (CD-ROMs left out). */
    public List<XlDomain.Disk> disks() {
        try {
            return XlList.disks(domainName(), config);
        } catch (HostException e) {
            throw new ImageException(path, "xl save file: " + e.getMessage());
        }
    }
}
