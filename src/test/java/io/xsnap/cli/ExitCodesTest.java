package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.xsnap.observe.Json;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exit code of a plan with errors comes from its findings' codes, never from their words. */
class ExitCodesTest {
    private static Plan planWith(Finding f) {
        return new Plan(Plan.FORMAT_VERSION, Instant.parse("2026-11-26T12:00:00Z"), "qemu", List.of(), List.of(f));
    }

    @Test
    void aFindingThatNeedsForceIsRefusedWhateverItsFixSays() {
        Finding f = new Finding(Finding.Code.NEEDS_FORCE, "web01", "s", "web01 is running", "ask again with force: true");
        assertEquals(ExitCodes.REFUSED, ExitCodes.ofErrors(planWith(f)));
    }

    @Test
    void aFixThatMentionsForceDoesNotMakeAnErrorARefusal() {
        Finding f = new Finding(Finding.Code.BLOCKED, "web01", "s", "the disk is read-only",
                "no --force helps here: exclude the disk");
        assertEquals(ExitCodes.ERROR, ExitCodes.ofErrors(planWith(f)));
    }

    @Test
    void theCodeIsNotInThePlanJsonAndAFindingReadBackHasTheGeneralCodeOfItsKind() {
        var json = Json.mapper();
        String text = json.writeValueAsString(new Finding(Finding.Code.NEEDS_FORCE, "web01", "s", "m", "f"));
        assertFalse(text.contains("code"), text);
        Finding back = json.readValue(text, Finding.class);
        assertEquals(Finding.Code.BLOCKED, back.code());
        assertEquals(Finding.Kind.ERROR, back.kind());
        assertEquals(Finding.Code.DRIFT, json.readValue(json.writeValueAsString(
                new Finding(Finding.Kind.DRIFT, "d", "s", "m", null)), Finding.class).code());
    }
}
