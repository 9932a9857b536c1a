package io.xsnap.host.qemuimg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.exec.CommandException;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.testing.ScriptedRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

class QemuImgTest {
    private static final Path A = Path.of("/s/a.qcow2");
    private static final Path B = Path.of("/s/b.qcow2");

    static List<Arguments> calls() {
        return List.of(
                call("create", img -> img.create(A, "raw", 1 << 20),
                        "create", "-q", "-f", "raw", "/s/a.qcow2", "1048576"),
                call("overlay", img -> img.createOverlay(B, "a.qcow2", "qcow2"),
                        "create", "-q", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", "/s/b.qcow2"),
                call("unsafe overlay", img -> img.createOverlayUnsafe(B, "/gone/a.raw", "raw", 4096),
                        "create", "-q", "-f", "qcow2", "-b", "/gone/a.raw", "-F", "raw", "-u", "/s/b.qcow2", "4096"),
                call("snapshot -c", img -> img.snapshotCreate(A, "pre upgrade"),
                        "snapshot", "-q", "-c", "pre upgrade", "--image-opts", "driver=qcow2,file.filename=/s/a.qcow2"),
                call("snapshot -a", img -> img.snapshotApply(A, "s1"),
                        "snapshot", "-q", "-a", "s1", "--image-opts", "driver=qcow2,file.filename=/s/a.qcow2"),
                call("snapshot, comma in the path", img -> img.snapshotCreate(Path.of("/s/x,y.qcow2"), "s1"),
                        "snapshot", "-q", "-c", "s1", "--image-opts", "driver=qcow2,file.filename=/s/x,,y.qcow2"),
                call("snapshot -d", img -> img.snapshotDelete(A, "s1"),
                        "snapshot", "-q", "-d", "s1", "--image-opts", "driver=qcow2,file.filename=/s/a.qcow2"),
                call("commit into backing", img -> img.commit(B, null, false),
                        "commit", "-q", "-f", "qcow2", "/s/b.qcow2"),
                call("commit to base, keep top", img -> img.commit(B, A, true),
                        "commit", "-q", "-f", "qcow2", "-b", "/s/a.qcow2", "-d", "/s/b.qcow2"),
                call("safe rebase", img -> img.rebase(B, "base.raw", "raw", false),
                        "rebase", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "/s/b.qcow2"),
                call("unsafe rebase onto nothing", img -> img.rebase(B, null, null, true),
                        "rebase", "-q", "-f", "qcow2", "-u", "-b", "", "/s/b.qcow2"),
                call("convert", img -> img.convert(B, "qcow2", A, "raw"),
                        "convert", "-q", "-f", "qcow2", "-O", "raw", "/s/b.qcow2", "/s/a.qcow2"));
    }

    private static Arguments call(String name, Consumer<QemuImg> action, String... args) {
        return Arguments.of(name, action, List.of(args));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void buildsTheArgv(String name, Consumer<QemuImg> action, List<String> args) {
        ScriptedRunner runner = new ScriptedRunner();
        runner.expect(prepend(args));
        action.accept(new QemuImg(runner));
        runner.assertDone();
    }

    @Test
    void infoParsesTheJsonAndPassesFormatChainAndForceShare() {
        ScriptedRunner runner = new ScriptedRunner()
                .expect(prepend(List.of("info", "--output=json", "-f", "qcow2", "-U", "/s/a.qcow2")), 0,
                        "{\"format\":\"qcow2\",\"virtual-size\":65536}", "")
                .expect(prepend(List.of("info", "--output=json", "--backing-chain", "/s/b.qcow2")), 0,
                        "[{\"filename\":\"/s/b.qcow2\"},{\"filename\":\"/s/a.qcow2\"}]", "");
        QemuImg img = new QemuImg(runner);
        assertEquals(65536, img.info(A, "qcow2", true).path("virtual-size").asLong());
        assertEquals(2, img.infoChain(B, null, false).size());
        runner.assertDone();
    }

    @Test
    void aFailureNamesTheCommandAndStderr() {
        ScriptedRunner runner = new ScriptedRunner().expect(
                prepend(List.of("snapshot", "-q", "-a", "nope", "--image-opts", "driver=qcow2,file.filename=/s/a.qcow2")), 1, "",
                "qemu-img: Could not apply snapshot 'nope': Failed to load snapshot: No such file or directory\n");
        CommandException e = assertThrows(CommandException.class, () -> new QemuImg(runner).snapshotApply(A, "nope"));
        assertTrue(e.getMessage().startsWith("qemu-img snapshot -q -a nope --image-opts driver=qcow2,file.filename=/s/a.qcow2: exit code 1: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("Failed to load snapshot"), e.getMessage());
    }

    /** The real qemu-img: a chain, a snapshot, check, commit and rebase, read back with info. */
    @Test
    void realQemuImgRoundTrip(@TempDir Path dir) {
        QemuImg img = new QemuImg(new ExecRunner());
        Path base = dir.resolve("base.raw");
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        img.create(base, "raw", 1 << 20);
        img.createOverlay(mid, "base.raw", "raw");
        img.createOverlay(top, mid.toString(), "qcow2");
        img.snapshotCreate(mid, "s1");
        assertThrows(CommandException.class, () -> img.snapshotCreate(base, "s1"), "a raw file is never probed");

        JsonNode chain = img.infoChain(top, "qcow2", false);
        assertEquals(3, chain.size());
        assertEquals("base.raw", chain.get(1).path("backing-filename").asString(), "the relative name is kept");
        assertEquals("s1", chain.get(1).path("snapshots").get(0).path("name").asString());
        assertFalse(chain.get(2).has("backing-filename"), "keys that do not apply are left out");

        assertTrue(img.check(top, "qcow2").consistent());
        assertEquals(63, img.check(base, "raw").exitCode(), "raw cannot be checked");

        img.commit(top, null, true);
        img.rebase(top, "base.raw", "raw", false);
        assertEquals("base.raw", img.info(top, "qcow2", false).path("backing-filename").asString());
        img.rebase(top, null, null, false);
        assertFalse(img.info(top, "qcow2", false).has("backing-filename"));
        img.snapshotDelete(mid, "s1");
        assertFalse(img.info(mid, "qcow2", false).has("snapshots"));
    }

    private static List<String> prepend(List<String> args) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("qemu-img"), args.stream()).toList();
    }
}
