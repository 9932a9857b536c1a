package io.xsnap.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The example pipelines in ci/examples run as written: every command of theirs that calls xsnap is run
 * in a spec repository laid out as they expect (specs/, state/), with xsnap on PATH. Only the steps that
 * download xsnap are left out.
 */
class CiExamplesTest {
    @TempDir
    Path repo;
    Path bin;

    @BeforeEach
    void specRepository() throws IOException {
        Path specs = Files.createDirectories(repo.resolve("specs"));
        try (Stream<Path> s = Files.list(Path.of("examples/specs"))) {
            for (Path f : s.toList()) {
                Files.copy(f, specs.resolve(f.getFileName()));
            }
        }
        Files.createDirectories(repo.resolve("state"));
        Files.writeString(repo.resolve("state/xen01.json"), Json.mapper().writeValueAsString(hostState()));
        bin = Files.createDirectories(repo.resolve(".bin"));
        Path xsnap = bin.resolve("xsnap");
        Files.writeString(xsnap, "#!/bin/sh\nexec java -cp '" + System.getProperty("java.class.path")
                + "' io.xsnap.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(xsnap, PosixFilePermissions.fromString("rwx------"));
    }

    /** A host with the examples' domains, as `xsnap observe --json` would have exported it. */
    private static Actual hostState() {
        List<DomainInfo> domains = List.of(
                new DomainInfo("app01", "xl", 3, RunState.RUNNING, List.of(disk("xvda", "/img/app01.qcow2", "qcow2"))),
                new DomainInfo("db01", "xl", 2, RunState.RUNNING,
                        List.of(disk("xvda", "/img/db01.qcow2", "qcow2"), disk("xvdb", "/img/db01-scratch.raw", "raw"))),
                new DomainInfo("web01", "xl", 1, RunState.RUNNING, List.of(disk("xvda", "/img/web01.qcow2", "qcow2"))));
        List<ImageInfo> images = new ArrayList<>();
        for (String f : new String[] {"/img/app01.qcow2", "/img/db01.qcow2", "/img/web01.qcow2"}) {
            images.add(new ImageInfo(Path.of(f), "qcow2", 1 << 30, 3, 65536, null, null, null, null, false, false, List.of(), 1 << 20));
        }
        images.add(new ImageInfo(Path.of("/img/db01-scratch.raw"), "raw", 1 << 30, 0, 0, null, null, null, null, false, false,
                List.of(), 1 << 30));
        return new Actual("xl", domains, images, List.of(), List.of(), List.of());
    }

    private static DiskInfo disk(String vdev, String path, String format) {
        return new DiskInfo(vdev, Path.of(path), format, "qcow2".equals(format) ? vdev + "-qcow2" : null, false);
    }

    /** The shell commands of a pipeline that call xsnap, in order (not the ones that download it). */
    private static List<String> xsnapCommands(Path pipeline) throws IOException {
        JsonNode root = new YAMLMapper().readTree(pipeline.toFile());
        List<String> commands = new ArrayList<>();
        for (Map.Entry<String, JsonNode> job : root.properties()) {
            JsonNode node = job.getValue();
            node.path("steps").forEach(step -> commands.add(step.path("run").asString("")));
            node.path("script").forEach(line -> commands.add(line.asString()));
            if (job.getKey().equals("jobs")) {
                node.properties().forEach(j -> j.getValue().path("steps").forEach(step -> commands.add(step.path("run").asString(""))));
            }
        }
        return commands.stream().filter(c -> c.contains("xsnap ") && !c.contains("curl ")).toList();
    }

    private CommandResult sh(String command) {
        return new ExecRunner().run(new Command(List.of("bash", "-euo", "pipefail", "-c", "cd '" + repo + "' && " + command),
                java.util.Set.of(0, 1, 2, 64, 65, 66), Duration.ofMinutes(2), null,
                Map.of("PATH", bin + ":" + System.getenv("PATH"))));
    }

    private void runsAsWritten(String pipeline, int expectedCommands) throws IOException {
        List<String> commands = xsnapCommands(Path.of("ci/examples", pipeline));
        assertEquals(expectedCommands, commands.size(), pipeline + ": " + commands);
        for (String c : commands) {
            CommandResult r = sh(c);
            assertEquals(0, r.exitCode(), pipeline + ": `" + c + "` failed:\n" + r.stdoutText() + r.stderr());
        }
        String plan = Files.readString(repo.resolve("plan.md"));
        assertTrue(plan.contains("### xsnap plan: 4 to create, 0 to revert, 0 to delete"), plan);
        assertTrue(plan.contains("`web01/pre-upgrade`") && plan.contains("`app01/hourly-"), plan);
    }

    @Test
    void githubActionsPipelineRunsAsWritten() throws IOException {
        runsAsWritten("github-actions.yml", 2);
    }

    @Test
    void gitlabPipelineRunsAsWritten() throws IOException {
        runsAsWritten("gitlab-ci.yml", 3);
    }

    @Test
    void aBrokenSpecFailsThePipeline() throws IOException {
        Files.writeString(repo.resolve("specs/bad.yaml"), "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: x\nsnapshots:\n  - name: a/b\n");
        CommandResult r = sh(xsnapCommands(Path.of("ci/examples/gitlab-ci.yml")).get(0));
        assertEquals(65, r.exitCode());
        assertFalse(r.stderr().isBlank());
        assertTrue(r.stderr().contains("bad.yaml:5:11: snapshots[0].name"), r.stderr());
    }
}
