package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The class-data-sharing training runs every command it means to run to a normal end. */
class CdsTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void everyTrainingCommandSucceeds() throws Exception {
        assertEquals(List.of(0, 0, 0, 0, 0), CdsTraining.train(tmp));
    }
}
