package io.xsnap.plan;

import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.xsnap.host.image.ImageInfo;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fingerprint of an observation: SHA-256 of the whole {@link Actual} in canonical JSON — the state format
 * ({@link Json#mapper()}, what {@code observe --json} writes and {@code plan --state} reads) with every object's
 * keys sorted and no whitespace. A saved plan carries it; {@code apply PLANFILE} runs the plan only while the host
 * has the same fingerprint, so any change to a fact the planner reads refuses the plan. A state read back from its
 * JSON has the fingerprint of the observation it was written from, so a plan made in CI from a host's state file is
 * applied on that host.
 *
 * <p>The trusted records the state format leaves out ({@link Actual#anchored()}, the files of the domains xsnap
 * stopped; {@link Actual#made()}, the files xsnap made outside the store) are not hashed: they are the host's own,
 * a state file does not carry them, and what they decide for the planner is in the state already (a record they
 * do not vouch for is listed among the damaged ones, which are hashed). Recovery, which reads them, runs on the
 * host from a fresh observation, never from a saved plan.
 *
 * <p>Left out, per image, are the three numbers that change whenever a guest writes, though nothing that exists
 * changed: a saved plan of a running domain would otherwise always be refused.
 * <ul>
 *   <li>{@code file_size}: the file's length, which grows as the guest writes new clusters;</li>
 *   <li>{@code allocated_bytes} and {@code backing_visible_bytes}: the data a store layer holds and the data of its
 *       backing file that shows through it, read from its cluster tables, which change with the same writes. The
 *       planner reads them (and {@code file_size} where they are not read) only to choose the cheaper direction of
 *       a merge (commit into the frozen file, or stream it into the layer above); both directions leave the same
 *       data, so an older choice still keeps every snapshot intact.</li>
 * </ul>
 */
public final class Fingerprint {
    /** The keys left out of each image, in the state format's names. */
    public static final List<String> VOLATILE_IMAGE_KEYS = List.of("file_size", "allocated_bytes", "backing_visible_bytes");

    private static final String VERSION = "xsnap-fingerprint-2\n";

    private Fingerprint() {
    }

    public static String of(Actual a) {
        return sha256(canonical(a));
    }

    /** The image sizes a guest changes by writing are not written (see the class comment). */
    @JsonIgnoreProperties({"file_size", "allocated_bytes", "backing_visible_bytes"})
    private abstract static class WithoutVolatileSizes {
    }

    /**
     * The canonical JSON text the fingerprint is the hash of, written in one pass: every record's properties and
     * every map's keys in sorted order, no whitespace.
     */
    static byte[] canonical(Actual a) {
        JsonMapper mapper = Json.mapper().rebuild()
                .disable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
                .addMixIn(ImageInfo.class, WithoutVolatileSizes.class)
                .build();
        return mapper.writeValueAsBytes(a);
    }

    private static String sha256(byte[] canonical) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(VERSION.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
