package io.xsnap.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every kind of {@link Step} has its words: {@link StepText} chooses them with {@code instanceof}, which the compiler
 * does not hold to the sealed list, so a record added without words would only fail when a plan has it.
 */
class StepTextTest {
    @Test
    void everyStepAndEveryReasonToKeepAFileHaveWords() throws ReflectiveOperationException {
        List<String> lines = new ArrayList<>();
        for (Class<?> kind : Step.class.getPermittedSubclasses()) {
            lines.add(StepText.of((Step) instance(kind)));
        }
        for (Class<?> why : Step.KeepWhy.class.getPermittedSubclasses()) {
            lines.add(StepText.of(new Step.Keep("xvda", Path.of("/f"), (Step.KeepWhy) instance(why))));
        }
        for (Class<?> cut : Step.Cut.class.getPermittedSubclasses()) {
            lines.add(StepText.of(new Step.CutDisks(List.of((Step.Cut) instance(cut)))));
        }
        lines.forEach(line -> assertFalse(line.isBlank()));
        assertEquals(lines.size(), lines.stream().distinct().count(), "each kind has words of its own: " + lines);
    }

    @Test
    void aMergeSaysWhatItCopiesOnlyWhenBothWaysWereMeasured() {
        assertEquals("commit /a into /f (live block-commit) (copies 16.0 MiB; the other way 80.0 MiB)",
                StepText.of(new Step.Commit(Path.of("/a"), Path.of("/f"), true, new Step.Costs(16 << 20, 80 << 20))));
        assertEquals("stream /f into /a; /f stays, backing nothing, for the internal snapshots in it",
                StepText.of(new Step.Stream(Path.of("/f"), Path.of("/a"), false, null, true)));
    }

    /** A record of {@code kind} made of plain values, each component of its type. */
    private static Object instance(Class<?> kind) throws ReflectiveOperationException {
        RecordComponent[] parts = kind.getRecordComponents();
        Class<?>[] types = new Class<?>[parts.length];
        Object[] values = new Object[parts.length];
        for (int i = 0; i < parts.length; i++) {
            types[i] = parts[i].getType();
            values[i] = value(types[i]);
        }
        return kind.getDeclaredConstructor(types).newInstance(values);
    }

    private static Object value(Class<?> type) {
        if (type == String.class) {
            return "web01";
        } else if (type == Path.class) {
            return Path.of("/store/web01/layers/xvda.1.qcow2");
        } else if (type == boolean.class) {
            return false;
        } else if (type == long.class) {
            return 1L << 20;
        } else if (type == List.class) {
            return List.of();
        } else if (type.isEnum()) {
            return type.getEnumConstants()[0];
        } else if (type == Step.Costs.class) {
            return new Step.Costs(1, 2);
        } else if (type == SnapshotRef.class) {
            return new SnapshotRef("web01", "s1");
        } else if (type == Step.KeepWhy.class) {
            return new Step.NotInStore();
        }
        throw new IllegalArgumentException("no plain value of " + type);
    }
}
