package io.xsnap.observe;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads xsnap's observed state ({@code observe --json}, schemas/state-v1.schema.json), manifests
 * (schemas/manifest-v1.schema.json) and clone records straight from the token stream: the same documents {@link Json#mapper()}
 * reads, without data binding. A state file of a host with a thousand domains holds tens of megabytes;
 * binding them to records through reflection costs seconds, this costs a fraction of one.
 *
 * <p>Reads like the mapper: property names in snake_case, unknown properties skipped, a missing or null
 * value is null (0 or false for numbers and flags; -1 for an image's merge costs, which older states lack),
 * run states in any letter case, instants as ISO-8601 text
 * or epoch seconds. A value of the wrong kind, or a required list that is missing, is a
 * {@link JacksonException} that says where.
 */
public final class StateReader {
    private static final JsonFactory FACTORY = new JsonFactory();

    private StateReader() {
    }

    /** The observed state in {@code json}. */
    public static Actual actual(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            return root(p, StateReader::actual);
        }
    }

    /** One manifest ({@code snapshot.json}). */
    public static Manifest manifest(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            return root(p, StateReader::manifest);
        }
    }

    /** One clone record ({@code clone.json}). */
    public static CloneRecord cloneRecord(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            return root(p, StateReader::cloneRecord);
        }
    }

    @FunctionalInterface
    private interface Value<T> {
        T read(JsonParser p);
    }

    private static <T> T root(JsonParser p, Value<T> value) {
        p.nextToken();
        T t = object(p, value);
        if (t == null) {
            throw new StreamReadException(p, "expected a JSON object");
        }
        if (p.nextToken() != null) {
            throw new StreamReadException(p, "unexpected content after the JSON object");
        }
        return t;
    }

    /** The object at the current token (null for a JSON null); {@code value} is called on its START_OBJECT. */
    private static <T> T object(JsonParser p, Value<T> value) {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, JsonToken.START_OBJECT, "an object");
        return value.read(p);
    }

    private static Actual actual(JsonParser p) {
        String driver = null;
        List<DomainInfo> domains = null;
        List<ImageInfo> images = null;
        List<StoredSnapshot> snapshots = null;
        List<String> incomplete = null;
        List<String> problems = null;
        List<String> appliedReverts = null;
        List<CloneRecord> clones = null;
        for (String name; (name = p.nextName()) != null; ) {
            p.nextToken();
            switch (name) {
                case "driver" -> driver = string(p);
                case "domains" -> domains = list(p, q -> object(q, StateReader::domain));
                case "images" -> images = list(p, q -> object(q, StateReader::image));
                case "snapshots" -> snapshots = list(p, q -> object(q, StateReader::stored));
                case "incomplete" -> incomplete = list(p, StateReader::string);
                case "problems" -> problems = list(p, StateReader::string);
                case "applied_reverts" -> appliedReverts = list(p, StateReader::string);
                case "clones" -> clones = list(p, q -> object(q, StateReader::cloneRecord));
                default -> p.skipChildren();
            }
        }
        return new Actual(driver, required(p, domains, "domains"), required(p, images, "images"),
                required(p, snapshots, "snapshots"), required(p, incomplete, "incomplete"),
                required(p, problems, "problems"), appliedReverts, clones);
    }

    private static DomainInfo domain(JsonParser p) {
        String name = null;
        String driver = null;
        long id = 0;
        RunState state = null;
        List<DiskInfo> disks = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "name" -> name = string(p);
                case "driver" -> driver = string(p);
                case "id" -> id = number(p);
                case "state" -> state = runState(p);
                case "disks" -> disks = list(p, q -> object(q, StateReader::disk));
                default -> p.skipChildren();
            }
        }
        return new DomainInfo(name, driver, id, state, required(p, disks, "disks"));
    }

    private static DiskInfo disk(JsonParser p) {
        String vdev = null;
        Path path = null;
        String format = null;
        String node = null;
        boolean readOnly = false;
        boolean reflink = false;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "vdev" -> vdev = string(p);
                case "path" -> path = path(p);
                case "format" -> format = string(p);
                case "node" -> node = string(p);
                case "read_only" -> readOnly = flag(p);
                case "reflink" -> reflink = flag(p);
                default -> p.skipChildren();
            }
        }
        return new DiskInfo(vdev, path, format, node, readOnly, reflink);
    }

    private static ImageInfo image(JsonParser p) {
        Path path = null;
        String format = null;
        long virtualSize = 0;
        int version = 0;
        long clusterSize = 0;
        String backingFile = null;
        Path backingPath = null;
        String backingFormat = null;
        String dataFile = null;
        boolean dirty = false;
        boolean corrupt = false;
        List<InternalSnapshot> snapshots = null;
        long fileSize = 0;
        long allocatedBytes = -1;
        long backingVisibleBytes = -1;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "path" -> path = path(p);
                case "format" -> format = string(p);
                case "virtual_size" -> virtualSize = number(p);
                case "version" -> version = Math.toIntExact(number(p));
                case "cluster_size" -> clusterSize = number(p);
                case "backing_file" -> backingFile = string(p);
                case "backing_path" -> backingPath = path(p);
                case "backing_format" -> backingFormat = string(p);
                case "data_file" -> dataFile = string(p);
                case "dirty" -> dirty = flag(p);
                case "corrupt" -> corrupt = flag(p);
                case "snapshots" -> snapshots = list(p, q -> object(q, StateReader::internalSnapshot));
                case "file_size" -> fileSize = number(p);
                case "allocated_bytes" -> allocatedBytes = number(p);
                case "backing_visible_bytes" -> backingVisibleBytes = number(p);
                default -> p.skipChildren();
            }
        }
        return new ImageInfo(path, format, virtualSize, version, clusterSize, backingFile, backingPath, backingFormat,
                dataFile, dirty, corrupt, required(p, snapshots, "snapshots"), fileSize, allocatedBytes,
                backingVisibleBytes);
    }

    private static InternalSnapshot internalSnapshot(JsonParser p) {
        String id = null;
        String name = null;
        long dateSec = 0;
        long dateNsec = 0;
        long vmClockNsec = 0;
        long vmStateSize = 0;
        long diskSize = 0;
        long icount = 0;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "id" -> id = string(p);
                case "name" -> name = string(p);
                case "date_sec" -> dateSec = number(p);
                case "date_nsec" -> dateNsec = number(p);
                case "vm_clock_nsec" -> vmClockNsec = number(p);
                case "vm_state_size" -> vmStateSize = number(p);
                case "disk_size" -> diskSize = number(p);
                case "icount" -> icount = number(p);
                default -> p.skipChildren();
            }
        }
        return new InternalSnapshot(id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize, icount);
    }

    private static StoredSnapshot stored(JsonParser p) {
        Manifest manifest = null;
        long memorySize = 0;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "manifest" -> manifest = object(p, StateReader::manifest);
                case "memory_size" -> memorySize = number(p);
                default -> p.skipChildren();
            }
        }
        return new StoredSnapshot(manifest, memorySize);
    }

    private static Manifest manifest(JsonParser p) {
        int formatVersion = 0;
        String name = null;
        String domain = null;
        String driver = null;
        Instant created = null;
        String description = null;
        String state = null;
        Manifest.Memory memory = null;
        List<Manifest.Disk> disks = null;
        String parent = null;
        RestartRecipe restart = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "format_version" -> formatVersion = Math.toIntExact(number(p));
                case "name" -> name = string(p);
                case "domain" -> domain = string(p);
                case "driver" -> driver = string(p);
                case "created" -> created = instant(p);
                case "description" -> description = string(p);
                case "state" -> state = string(p);
                case "memory" -> memory = object(p, StateReader::memory);
                case "disks" -> disks = list(p, q -> object(q, StateReader::manifestDisk));
                case "parent" -> parent = string(p);
                case "restart" -> restart = object(p, StateReader::restart);
                default -> p.skipChildren();
            }
        }
        return new Manifest(formatVersion, name, domain, driver, created, description, state, memory,
                required(p, disks, "disks"), parent, restart);
    }

    private static Manifest.Memory memory(JsonParser p) {
        String file = null;
        long size = 0;
        String sha256 = null;
        boolean live = false;
        long pauseMillis = 0;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "file" -> file = string(p);
                case "size" -> size = number(p);
                case "sha256" -> sha256 = string(p);
                case "live" -> live = flag(p);
                case "pause_millis" -> pauseMillis = number(p);
                default -> p.skipChildren();
            }
        }
        return new Manifest.Memory(file, size, sha256, live, pauseMillis);
    }

    private static Manifest.Disk manifestDisk(JsonParser p) {
        String vdev = null;
        String mode = null;
        String format = null;
        String image = null;
        String tag = null;
        String frozen = null;
        String overlay = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "vdev" -> vdev = string(p);
                case "mode" -> mode = string(p);
                case "format" -> format = string(p);
                case "image" -> image = string(p);
                case "tag" -> tag = string(p);
                case "frozen" -> frozen = string(p);
                case "overlay" -> overlay = string(p);
                default -> p.skipChildren();
            }
        }
        return new Manifest.Disk(vdev, mode, format, image, tag, frozen, overlay);
    }

    private static RestartRecipe restart(JsonParser p) {
        List<String> argv = null;
        String xlConfig = null;
        String xlConfigFile = null;
        String xlConfigText = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "argv" -> argv = list(p, StateReader::string);
                case "xl_config" -> xlConfig = string(p);
                case "xl_config_file" -> xlConfigFile = string(p);
                case "xl_config_text" -> xlConfigText = string(p);
                default -> p.skipChildren();
            }
        }
        return new RestartRecipe(argv, xlConfig, xlConfigFile, xlConfigText);
    }

    private static CloneRecord cloneRecord(JsonParser p) {
        int formatVersion = 0;
        String domain = null;
        String sourceDomain = null;
        String sourceSnapshot = null;
        Instant created = null;
        List<CloneRecord.Disk> disks = null;
        RestartRecipe restart = null;
        String memory = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "format_version" -> formatVersion = Math.toIntExact(number(p));
                case "domain" -> domain = string(p);
                case "source_domain" -> sourceDomain = string(p);
                case "source_snapshot" -> sourceSnapshot = string(p);
                case "created" -> created = instant(p);
                case "disks" -> disks = list(p, q -> object(q, StateReader::cloneDisk));
                case "restart" -> restart = object(p, StateReader::restart);
                case "memory" -> memory = string(p);
                default -> p.skipChildren();
            }
        }
        return new CloneRecord(formatVersion, domain, sourceDomain, sourceSnapshot, created,
                required(p, disks, "disks"), restart, memory);
    }

    private static CloneRecord.Disk cloneDisk(JsonParser p) {
        String vdev = null;
        String overlay = null;
        String base = null;
        String baseFormat = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "vdev" -> vdev = string(p);
                case "overlay" -> overlay = string(p);
                case "base" -> base = string(p);
                case "base_format" -> baseFormat = string(p);
                default -> p.skipChildren();
            }
        }
        return new CloneRecord.Disk(vdev, overlay, base, baseFormat);
    }

    // ------------------------------------------------------------------ values

    /** The array at the current token, or null for a JSON null. */
    private static <T> List<T> list(JsonParser p, Value<T> item) {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, JsonToken.START_ARRAY, "an array");
        List<T> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(item.read(p));
        }
        return out;
    }

    private static <T> List<T> required(JsonParser p, List<T> list, String name) {
        if (list == null) {
            throw new StreamReadException(p, "missing \"" + name + "\" (a list)");
        }
        return list;
    }

    /** Text, or the text of a number or flag (as data binding coerces scalars); null for a JSON null. */
    private static String string(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t.isScalarValue()) {
            return p.getString();
        }
        throw new StreamReadException(p, "expected a string, found " + t);
    }

    private static Path path(JsonParser p) {
        String s = string(p);
        try {
            return s == null ? null : Path.of(s);
        } catch (InvalidPathException e) {
            throw new StreamReadException(p, "not a file name: " + e.getMessage(), e);
        }
    }

    /** An integer (also written as text); 0 for a JSON null. */
    private static long number(JsonParser p) {
        JsonToken t = p.currentToken();
        try {
            return switch (t) {
                case VALUE_NUMBER_INT -> p.getLongValue();
                case VALUE_NULL -> 0;
                case VALUE_STRING -> Long.parseLong(p.getString().strip());
                default -> throw new StreamReadException(p, "expected an integer, found " + t);
            };
        } catch (NumberFormatException e) {
            throw new StreamReadException(p, "expected an integer, found \"" + p.getString() + "\"", e);
        }
    }

    private static boolean flag(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE || t == JsonToken.VALUE_NULL) {
            return t == JsonToken.VALUE_TRUE;
        }
        if (t == JsonToken.VALUE_STRING && ("true".equals(p.getString()) || "false".equals(p.getString()))) {
            return "true".equals(p.getString());
        }
        throw new StreamReadException(p, "expected true or false, found " + t);
    }

    private static RunState runState(JsonParser p) {
        String s = string(p);
        if (s == null) {
            return null;
        }
        try {
            return RunState.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new StreamReadException(p, "not a run state: \"" + s + "\"", e);
        }
    }

    /** ISO-8601 text (with Z or an offset), or epoch seconds (with a fraction). */
    private static Instant instant(JsonParser p) {
        JsonToken t = p.currentToken();
        try {
            return switch (t) {
                case VALUE_NULL -> null;
                case VALUE_NUMBER_INT -> Instant.ofEpochSecond(p.getLongValue());
                case VALUE_NUMBER_FLOAT -> {
                    BigDecimal seconds = p.getDecimalValue();
                    yield Instant.ofEpochSecond(seconds.longValue(),
                            seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
                }
                case VALUE_STRING -> {
                    String s = p.getString().strip();
                    try {
                        yield Instant.parse(s);
                    } catch (DateTimeParseException e) {
                        yield OffsetDateTime.parse(s).toInstant();
                    }
                }
                default -> throw new StreamReadException(p, "expected an instant, found " + t);
            };
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new StreamReadException(p, "not an ISO-8601 instant: \"" + p.getString() + "\"", e);
        }
    }

    private static void expect(JsonParser p, JsonToken token, String what) {
        if (p.currentToken() != token) {
            throw new StreamReadException(p, "expected " + what + ", found " + p.currentToken());
        }
    }
}
