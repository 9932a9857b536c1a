package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue #13 item 8: a snapshot named like one of the store's own entries ({@code layers}, {@code clone.json},
 * {@code xl-restore.cfg}) could be made and then never listed, reverted or deleted. Every way a name comes in refuses
 * it: the command line (exit 64, before the store is touched), the spec schema and the seed's cfgfile (FILE:LINE:COL,
 * in SnapshotCfgFileTest and the hostile specs 138-141).
 */
class ReservedNamesTest {
    @TempDir
    Path tmp;

    @Test
    void theCommandLineRefusesEveryReservedNameBeforeTouchingTheStore() {
        Path store = tmp.resolve("store");
        for (String name : StoreLayout.RESERVED_SNAPSHOT_NAMES) {
            List<String[]> commands = new ArrayList<>();
            commands.add(new String[] {"create", "web01", "--name", name});
            commands.add(new String[] {"delete", "web01", name});
            commands.add(new String[] {"revert", "web01", name});
            commands.add(new String[] {"clone", "web01", name, "--to", "app1"});
            for (String[] c : commands) {
                List<String> argv = new ArrayList<>(List.of(c[0], "--store", store.toString(), "--driver", "qemu",
                        "--qemu-dir", tmp.resolve("qemu").toString()));
                argv.addAll(List.of(c).subList(1, c.length));
                Cli.Run r = Cli.run(argv.toArray(String[]::new));
                assertEquals(ExitCodes.USAGE, r.code(), String.join(" ", c) + ": " + r);
                assertTrue(r.err().contains("'" + name + "' is reserved"), r.err());
            }
        }
        assertFalse(Files.exists(store), "nothing was written");
    }

    @Test
    void theSchemaListsTheNamesTheStoreReserves() throws Exception {
        JsonNode schema = io.xsnap.observe.Json.mapper().readTree(Files.readAllBytes(Path.of("schemas/spec-v1.schema.json")));
        List<String> listed = new ArrayList<>();
        schema.at("/$defs/snapshotName/allOf/1/not/enum").forEach(n -> listed.add(n.asString()));
        assertEquals(StoreLayout.RESERVED_SNAPSHOT_NAMES, listed);
    }
}
