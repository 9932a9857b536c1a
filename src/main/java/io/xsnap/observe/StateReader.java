package io.xsnap.observe;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageDetails;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    private final JsonParser p;
    /**
     * Every text value read so far, so that equal ones share one string: a state repeats each domain's
     * command line in every manifest, each image path and snapshot name many times. Halves what the
     * state holds in memory, and what the garbage collector copies.
     */
    private final Map<String, String> strings = new HashMap<>();
    private final Map<String, Path> paths = new HashMap<>();

    private StateReader(JsonParser p) {
        this.p = p;
    }

    /** The observed state in {@code json}. */
    public static Actual actual(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            StateReader r = new StateReader(p);
            return r.root(r::actual);
        }
    }

    /** One manifest ({@code snapshot.json}). */
    public static Manifest manifest(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            StateReader r = new StateReader(p);
            return r.root(r::manifest);
        }
    }

    /** One clone record ({@code clone.json}). */
    public static CloneRecord cloneRecord(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            StateReader r = new StateReader(p);
            return r.root(r::cloneRecord);
        }
    }

    @FunctionalInterface
    private interface Value<T> {
        T read();
    }

    private <T> T root(Value<T> value) {
        p.nextToken();
        T t = object(value);
        if (t == null) {
            throw new StreamReadException(p, "expected a JSON object");
        }
        if (p.nextToken() != null) {
            throw new StreamReadException(p, "unexpected content after the JSON object");
        }
        return t;
    }

    /** The object at the current token (null for a JSON null); {@code value} is called on its START_OBJECT. */
    private <T> T object(Value<T> value) {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(JsonToken.START_OBJECT, "an object");
        return value.read();
    }

    private Actual actual() {
        String driver = null;
        List<DomainInfo> domains = null;
        List<ImageInfo> images = null;
        List<StoredSnapshot> snapshots = null;
        List<String> incomplete = null;
        List<String> problems = null;
        List<String> appliedReverts = null;
        List<CloneRecord> clones = null;
        List<Damaged> damaged = null;
        for (String name; (name = p.nextName()) != null; ) {
            p.nextToken();
            switch (name) {
                case "driver" -> driver = string();
                case "damaged" -> damaged = list(() -> object(this::damaged));
                case "domains" -> domains = list(() -> object(this::domain));
                case "images" -> images = list(() -> object(this::image));
                case "snapshots" -> snapshots = list(() -> object(this::stored));
                case "incomplete" -> incomplete = list(this::string);
                case "problems" -> problems = list(this::string);
                case "applied_reverts" -> appliedReverts = list(this::string);
                case "clones" -> clones = list(() -> object(this::cloneRecord));
                default -> p.skipChildren();
            }
        }
        return new Actual(driver, required(domains, "domains"), required(images, "images"),
                required(snapshots, "snapshots"), required(incomplete, "incomplete"),
                required(problems, "problems"), appliedReverts, clones, damaged);
    }

    private Damaged damaged() {
        String domain = null;
        String snapshot = null;
        String file = null;
        String why = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "domain" -> domain = string();
                case "snapshot" -> snapshot = string();
                case "file" -> file = string();
                case "why" -> why = string();
                default -> p.skipChildren();
            }
        }
        return new Damaged(domain, snapshot, file, why);
    }

    private DomainInfo domain() {
        String name = null;
        String driver = null;
        long id = 0;
        RunState state = null;
        List<DiskInfo> disks = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "name" -> name = string();
                case "driver" -> driver = string();
                case "id" -> id = number();
                case "state" -> state = runState();
                case "disks" -> disks = list(() -> object(this::disk));
                default -> p.skipChildren();
            }
        }
        return new DomainInfo(name, driver, id, state, required(disks, "disks"));
    }

    private DiskInfo disk() {
        String vdev = null;
        Path path = null;
        String format = null;
        String node = null;
        boolean readOnly = false;
        boolean reflink = false;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "vdev" -> vdev = string();
                case "path" -> path = path();
                case "format" -> format = string();
                case "node" -> node = string();
                case "read_only" -> readOnly = flag();
                case "reflink" -> reflink = flag();
                default -> p.skipChildren();
            }
        }
        return new DiskInfo(vdev, path, format, node, readOnly, reflink);
    }

    private ImageInfo image() {
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
        ImageDetails details = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "path" -> path = path();
                case "format" -> format = string();
                case "virtual_size" -> virtualSize = number();
                case "version" -> version = integer();
                case "cluster_size" -> clusterSize = number();
                case "backing_file" -> backingFile = string();
                case "backing_path" -> backingPath = path();
                case "backing_format" -> backingFormat = string();
                case "data_file" -> dataFile = string();
                case "dirty" -> dirty = flag();
                case "corrupt" -> corrupt = flag();
                case "snapshots" -> snapshots = list(() -> object(this::internalSnapshot));
                case "file_size" -> fileSize = number();
                case "allocated_bytes" -> allocatedBytes = number();
                case "backing_visible_bytes" -> backingVisibleBytes = number();
                case "details" -> details = object(this::details);
                default -> p.skipChildren();
            }
        }
        return new ImageInfo(path, format, virtualSize, version, clusterSize, backingFile, backingPath, backingFormat,
                dataFile, dirty, corrupt, required(snapshots, "snapshots"), fileSize, allocatedBytes,
                backingVisibleBytes, details);
    }

    private ImageDetails details() {
        String filename = null;
        String fullBackingFilename = null;
        boolean encrypted = false;
        boolean lazyRefcounts = false;
        int refcountBits = 0;
        boolean extendedL2 = false;
        String compressionType = null;
        boolean externalDataFile = false;
        boolean dataFileRaw = false;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "filename" -> filename = string();
                case "full_backing_filename" -> fullBackingFilename = string();
                case "encrypted" -> encrypted = flag();
                case "lazy_refcounts" -> lazyRefcounts = flag();
                case "refcount_bits" -> refcountBits = integer();
                case "extended_l2" -> extendedL2 = flag();
                case "compression_type" -> compressionType = string();
                case "external_data_file" -> externalDataFile = flag();
                case "data_file_raw" -> dataFileRaw = flag();
                default -> p.skipChildren();
            }
        }
        return new ImageDetails(filename, fullBackingFilename, encrypted, lazyRefcounts, refcountBits, extendedL2,
                compressionType, externalDataFile, dataFileRaw);
    }

    private InternalSnapshot internalSnapshot() {
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
                case "id" -> id = string();
                case "name" -> name = string();
                case "date_sec" -> dateSec = number();
                case "date_nsec" -> dateNsec = number();
                case "vm_clock_nsec" -> vmClockNsec = number();
                case "vm_state_size" -> vmStateSize = number();
                case "disk_size" -> diskSize = number();
                case "icount" -> icount = number();
                default -> p.skipChildren();
            }
        }
        return new InternalSnapshot(id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize, icount);
    }

    private StoredSnapshot stored() {
        Manifest manifest = null;
        long memorySize = 0;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "manifest" -> manifest = object(this::manifest);
                case "memory_size" -> memorySize = number();
                default -> p.skipChildren();
            }
        }
        return new StoredSnapshot(manifest, memorySize);
    }

    private Manifest manifest() {
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
                case "format_version" -> formatVersion = integer();
                case "name" -> name = string();
                case "domain" -> domain = string();
                case "driver" -> driver = string();
                case "created" -> created = instant();
                case "description" -> description = string();
                case "state" -> state = string();
                case "memory" -> memory = object(this::memory);
                case "disks" -> disks = list(() -> object(this::manifestDisk));
                case "parent" -> parent = string();
                case "restart" -> restart = object(this::restart);
                default -> p.skipChildren();
            }
        }
        return new Manifest(formatVersion, name, domain, driver, created, description, state, memory,
                required(disks, "disks"), parent, restart);
    }

    private Manifest.Memory memory() {
        String file = null;
        long size = 0;
        String sha256 = null;
        boolean live = false;
        long pauseMillis = 0;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "file" -> file = string();
                case "size" -> size = number();
                case "sha256" -> sha256 = string();
                case "live" -> live = flag();
                case "pause_millis" -> pauseMillis = number();
                default -> p.skipChildren();
            }
        }
        return new Manifest.Memory(file, size, sha256, live, pauseMillis);
    }

    private Manifest.Disk manifestDisk() {
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
                case "vdev" -> vdev = string();
                case "mode" -> mode = string();
                case "format" -> format = string();
                case "image" -> image = string();
                case "tag" -> tag = string();
                case "frozen" -> frozen = string();
                case "overlay" -> overlay = string();
                default -> p.skipChildren();
            }
        }
        return new Manifest.Disk(vdev, mode, format, image, tag, frozen, overlay);
    }

    private RestartRecipe restart() {
        List<String> argv = null;
        String xlConfig = null;
        String xlConfigFile = null;
        String xlConfigText = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "argv" -> argv = list(this::string);
                case "xl_config" -> xlConfig = string();
                case "xl_config_file" -> xlConfigFile = string();
                case "xl_config_text" -> xlConfigText = string();
                default -> p.skipChildren();
            }
        }
        return new RestartRecipe(argv, xlConfig, xlConfigFile, xlConfigText);
    }

    private CloneRecord cloneRecord() {
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
                case "format_version" -> formatVersion = integer();
                case "domain" -> domain = string();
                case "source_domain" -> sourceDomain = string();
                case "source_snapshot" -> sourceSnapshot = string();
                case "created" -> created = instant();
                case "disks" -> disks = list(() -> object(this::cloneDisk));
                case "restart" -> restart = object(this::restart);
                case "memory" -> memory = string();
                default -> p.skipChildren();
            }
        }
        return new CloneRecord(formatVersion, domain, sourceDomain, sourceSnapshot, created, required(disks, "disks"),
                restart, memory);
    }

    private CloneRecord.Disk cloneDisk() {
        String vdev = null;
        String overlay = null;
        String base = null;
        String baseFormat = null;
        for (String field; (field = p.nextName()) != null; ) {
            p.nextToken();
            switch (field) {
                case "vdev" -> vdev = string();
                case "overlay" -> overlay = string();
                case "base" -> base = string();
                case "base_format" -> baseFormat = string();
                default -> p.skipChildren();
            }
        }
        return new CloneRecord.Disk(vdev, overlay, base, baseFormat);
    }

    // ------------------------------------------------------------------ values

    /** The array at the current token, or null for a JSON null. */
    private <T> List<T> list(Value<T> item) {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(JsonToken.START_ARRAY, "an array");
        List<T> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                throw new StreamReadException(p, "null where a list item was expected");
            }
            out.add(item.read());
        }
        return out;
    }

    private <T> List<T> required(List<T> list, String name) {
        if (list == null) {
            throw new StreamReadException(p, "missing \"" + name + "\" (a list)");
        }
        return list;
    }

    /** Text, or the text of a number or flag (as data binding coerces scalars); null for a JSON null. */
    private String string() {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            String read = p.getString();
            String seen = strings.putIfAbsent(read, read);
            return seen != null ? seen : read;
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t.isScalarValue()) {
            return p.getString();
        }
        throw new StreamReadException(p, "expected a string, found " + t);
    }

    private Path path() {
        String s = string();
        if (s == null) {
            return null;
        }
        Path path = paths.get(s);
        if (path == null) {
            try {
                path = Path.of(s);
            } catch (InvalidPathException e) {
                throw new StreamReadException(p, "not a file name: " + e.getMessage(), e);
            }
            paths.put(s, path);
        }
        return path;
    }

    /** An integer (also written as text); 0 for a JSON null. */
    private long number() {
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

    /** An integer that fits an int (a format version). */
    private int integer() {
        long n = number();
        if (n != (int) n) {
            throw new StreamReadException(p, "expected a small integer, found " + n);
        }
        return (int) n;
    }

    private boolean flag() {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE || t == JsonToken.VALUE_NULL) {
            return t == JsonToken.VALUE_TRUE;
        }
        if (t == JsonToken.VALUE_STRING && ("true".equals(p.getString()) || "false".equals(p.getString()))) {
            return "true".equals(p.getString());
        }
        throw new StreamReadException(p, "expected true or false, found " + t);
    }

    private RunState runState() {
        String s = string();
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
    private Instant instant() {
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

    private void expect(JsonToken token, String what) {
        if (p.currentToken() != token) {
            throw new StreamReadException(p, "expected " + what + ", found " + p.currentToken());
        }
    }
}
