package io.xsnap.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.StateReader;
import io.xsnap.testing.States;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A saved plan is refused once anything the planner reads has changed: the fingerprint covers every field of every
 * record an observation holds, found by reflection (a field added later is covered without a change here), except
 * the image sizes that change whenever a guest writes.
 */
class FingerprintTest {
    /** The fields left out, as "Record.component" (see {@link Fingerprint}). */
    private static final Set<String> LEFT_OUT = Set.of("ImageInfo.fileSize", "ImageInfo.allocatedBytes",
            "ImageInfo.backingVisibleBytes", "Actual.anchored", "Actual.made");

    @Test
    void changingAnyFieldChangesTheFingerprintButTheSizesAGuestChanges() {
        for (long seed = 1; seed <= 3; seed++) {
            Actual state = States.full(seed, true);
            String before = Fingerprint.of(state);
            List<String> unseen = new ArrayList<>();
            List<String> seenButLeftOut = new ArrayList<>();
            Set<String> mutated = new TreeSet<>();
            for (States.Mutation m : States.mutations(state)) {
                mutated.addAll(m.path());
                boolean changed = !before.equals(Fingerprint.of((Actual) m.state()));
                if (LEFT_OUT.contains(m.field()) && changed) {
                    seenButLeftOut.add(m.where());
                } else if (!LEFT_OUT.contains(m.field()) && !changed) {
                    unseen.add(m.where());
                }
            }
            assertEquals(List.of(), unseen, "changes the fingerprint does not see (seed " + seed + ")");
            assertEquals(List.of(), seenButLeftOut, "sizes a guest changes by writing must not change it (seed " + seed + ")");
            assertEquals(new TreeSet<>(States.fields(Actual.class)), mutated, "every field was changed, itself or a field of its record");
        }
    }

    /** A plan made in CI from a host's state file is applied there, trusted records or not (GitOps). */
    @Test
    void theFingerprintOfAHostWithTrustedRecordsIsThatOfItsStateFile() {
        for (long seed = 1; seed <= 3; seed++) {
            Actual state = States.full(seed, true);
            assertTrue(!state.anchored().isEmpty() && !state.made().isEmpty(), "the state holds trusted records");
            byte[] file = Json.mapper().writeValueAsBytes(state);
            assertEquals(Fingerprint.of(state), Fingerprint.of(StateReader.actual(file)), "seed " + seed);
        }
    }

    @Test
    void theFingerprintIsThatOfTheStateFileWrittenFromTheObservation() {
        for (long seed = 1; seed <= 200; seed++) {
            Actual state = States.random(seed);
            byte[] file = Json.mapper().writeValueAsBytes(state);
            assertEquals(Fingerprint.of(state), Fingerprint.of(StateReader.actual(file)), "seed " + seed);
        }
    }

    /** The one-pass canonical text equals the state turned into plain maps, pruned and written with sorted keys. */
    @Test
    void theCanonicalTextIsTheSortedStateWithoutTheSizes() {
        JsonMapper sorted = Json.mapper().rebuild().disable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
        for (long seed = 1; seed <= 50; seed++) {
            Actual state = seed <= 5 ? States.full(seed, true) : States.random(seed);
            Map<String, Object> plain = sorted.convertValue(state, new TypeReference<TreeMap<String, Object>>() { });
            for (Object image : (List<?>) plain.get("images")) {
                Fingerprint.VOLATILE_IMAGE_KEYS.forEach(((Map<?, ?>) image)::remove);
            }
            assertEquals(new String(sorted.writeValueAsBytes(plain), StandardCharsets.UTF_8),
                    new String(Fingerprint.canonical(state), StandardCharsets.UTF_8), "seed " + seed);
        }
    }

    @Test
    void theCanonicalTextHasSortedKeysAndNoWhitespaceBetweenTokens() {
        Actual state = States.full(7, true);
        String text = new String(Fingerprint.canonical(state), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("{\"applied_reverts\":["), "keys sorted: " + text.substring(0, 40));
        assertTrue(!text.contains("\n") && !text.contains("\": ") && !text.contains(", \""), "no whitespace");
        assertTrue(!text.contains("\"file_size\"") && !text.contains("\"allocated_bytes\""), "sizes left out");
        assertNotEquals(Fingerprint.of(state), Fingerprint.of(States.full(8, true)));
    }
}
