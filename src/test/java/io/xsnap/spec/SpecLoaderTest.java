package io.xsnap.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Good specs become the expected records, defaults filled in. */
class SpecLoaderTest {
    private static final String HEAD = "apiVersion: xsnap/v1\nkind: DomainSnapshots\n";

    @TempDir
    Path tmp;

    private final SpecLoader loader = new SpecLoader();

    private Desired load(String yaml) throws Exception {
        Path file = tmp.resolve("spec.yaml");
        Files.writeString(file, yaml);
        return loader.load(List.of(file));
    }

    private SourceRef at(int line, int column) {
        return new SourceRef(tmp.resolve("spec.yaml").toString(), line, column);
    }

    @Test
    void manyFilesLoadInFileOrderWithEveryProblemInFileOrder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("many"));
        for (int i = 0; i < 40; i++) {
            Files.writeString(dir.resolve(String.format("d%02d.yaml", i)),
                    HEAD + String.format("domain: d%02d", i) + "\nsnapshots:\n  - name: s" + i + "\n");
        }
        List<String> domains = loader.load(List.of(dir)).domains().stream().map(DomainSpec::domain).toList();
        assertEquals(40, domains.size());
        assertEquals("d00", domains.get(0));
        assertEquals("d39", domains.get(39));

        Files.writeString(dir.resolve("d03.yaml"), HEAD + "domain: d03\nsnapshots:\n  - name: a/b\n");
        Files.writeString(dir.resolve("d17.yaml"), HEAD + "domain: d17\nsnapshots: [\n");
        Files.writeString(dir.resolve("d30.yaml"), HEAD + "domain: d02\nsnapshots:\n  - name: x\n    color: red\n");
        SpecException e = assertThrows(SpecException.class, () -> loader.load(List.of(dir)));
        List<String> files = e.problems().stream().map(p -> Path.of(p.where().file()).getFileName().toString()).toList();
        assertEquals(List.of("d03.yaml", "d17.yaml", "d30.yaml", "d30.yaml"), files, e.problems().toString());
    }

    @Test
    void aCloneAndTheSnapshotsOfTheCloneAreTwoDocumentsOfOneDomain() throws Exception {
        Desired d = load("apiVersion: xsnap/v1\nkind: DomainClone\ndomain: app1\nfrom:\n  domain: web01\n"
                + "  snapshot: gold\nstart: paused\n---\napiVersion: xsnap/v1\nkind: DomainClone\ndomain: app0\n"
                + "from: {domain: web01, snapshot: gold}\nstate: absent\n---\n" + HEAD + "domain: app1\nsnapshots: []\n");
        assertEquals(List.of(new CloneSpec("app0", "web01", "gold", Presence.ABSENT, "shutoff", at(9, 1)),
                new CloneSpec("app1", "web01", "gold", Presence.PRESENT, "paused", at(1, 1))), d.clones());
        assertEquals(List.of("app1"), d.domains().stream().map(DomainSpec::domain).toList());
    }

    @Test
    void defaultsAreFilledIn() throws Exception {
        Desired d = load(HEAD + "domain: web01\nsnapshots:\n  - name: pre-upgrade\n");
        assertEquals(List.of(new DomainSpec("web01",
                List.of(new SnapshotSpec("pre-upgrade", "", Presence.PRESENT, true, false, Map.of(), at(5, 5))),
                at(1, 1), Optional.empty())), d.domains());
        assertEquals(DiskMode.AUTO, d.domains().get(0).snapshots().get(0).modeFor("xvda"));
    }

    @Test
    void everyFieldIsRead() throws Exception {
        Desired d = load(HEAD + "domain: web01\nxlConfig: /etc/xen/web01.cfg\nsnapshots:\n"
                + "  - name: nightly.1\n    description: before the kernel upgrade\n    state: absent\n"
                + "    memory: true\n    live: true\n    disks:\n      xvda: external\n      xvdb: internal\n"
                + "      xvdc: exclude\n      xvdd: auto\n");
        DomainSpec web01 = d.domains().get(0);
        assertEquals(Optional.of(Path.of("/etc/xen/web01.cfg")), web01.xlConfig());
        assertEquals(new SnapshotSpec("nightly.1", "before the kernel upgrade", Presence.ABSENT, true, true,
                Map.of("xvda", DiskMode.EXTERNAL, "xvdb", DiskMode.INTERNAL, "xvdc", DiskMode.EXCLUDE,
                        "xvdd", DiskMode.AUTO), at(6, 5)), web01.snapshots().get(0));
    }

    @Test
    void diskOnlySnapshotAndYaml12CoreBooleans() throws Exception {
        Desired d = load(HEAD + "domain: db01\nsnapshots:\n  - name: a\n    memory: False\n  - name: b\n"
                + "    memory: TRUE\n");
        List<SnapshotSpec> s = d.domains().get(0).snapshots();
        assertEquals(List.of(false, true), s.stream().map(SnapshotSpec::memory).toList());
    }

    @Test
    void emptySnapshotListIsAllowed() throws Exception {
        assertEquals(List.of(), load(HEAD + "domain: web01\nsnapshots: []\n").domains().get(0).snapshots());
    }

    @Test
    void flowStyleWorksToo() throws Exception {
        Desired d = load("{apiVersion: xsnap/v1, kind: DomainSnapshots, domain: web01,"
                + " snapshots: [{name: a, memory: false, disks: {xvda: external}}]}\n");
        assertEquals(Map.of("xvda", DiskMode.EXTERNAL), d.domains().get(0).snapshots().get(0).disks());
    }

    @Test
    void severalDocumentsSkippingEmptyOnesAndSortedByDomain() throws Exception {
        Desired d = load("---\n# nothing here yet\n---\n" + HEAD + "domain: web01\nsnapshots: []\n---\n---\n"
                + HEAD + "domain: db01\nsnapshots:\n  - name: a\n...\n");
        assertEquals(List.of("db01", "web01"), d.domains().stream().map(DomainSpec::domain).toList());
        assertEquals(at(10, 1), d.domains().get(0).source());
        assertEquals(at(4, 1), d.domains().get(1).source());
    }

    @Test
    void byteOrderMarkIsAccepted() throws Exception {
        assertEquals("web01", load("\uFEFF" + HEAD + "domain: web01\nsnapshots: []\n").domains().get(0).domain());
    }

    @Test
    void directoriesAreSearchedForYamlFilesSortedAndHiddenOnesLeftOut() throws IOException {
        Files.createDirectories(tmp.resolve("b/nested"));
        Files.createDirectories(tmp.resolve(".git"));
        Files.writeString(tmp.resolve("b/nested/z.yml"), "x");
        Files.writeString(tmp.resolve("b/a.yaml"), "x");
        Files.writeString(tmp.resolve("a.YAML"), "x");
        Files.writeString(tmp.resolve("notes.txt"), "x");
        Files.writeString(tmp.resolve(".hidden.yaml"), "x");
        Files.writeString(tmp.resolve(".git/config.yaml"), "x");
        Files.writeString(tmp.resolve("explicit.txt"), "x");
        assertEquals(List.of(tmp.resolve("a.YAML"), tmp.resolve("b/a.yaml"), tmp.resolve("b/nested/z.yml"),
                        tmp.resolve("explicit.txt")),
                loader.expand(List.of(tmp.resolve("a.YAML"), tmp, tmp.resolve("explicit.txt"))));
    }

    @Test
    void aFileNamedTwiceIsLoadedOnce() throws Exception {
        Path file = tmp.resolve("web01.yaml");
        Files.writeString(file, HEAD + "domain: web01\nsnapshots: []\n");
        assertEquals(1, loader.load(List.of(file, tmp, tmp.resolve("./web01.yaml"))).domains().size());
    }

    @Test
    void theModelIsImmutable() throws Exception {
        Desired d = load(HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks: {xvda: exclude}\n");
        assertThrows(UnsupportedOperationException.class, () -> d.domains().get(0).snapshots().clear());
        assertThrows(UnsupportedOperationException.class,
                () -> d.domains().get(0).snapshots().get(0).disks().put("xvdb", DiskMode.AUTO));
    }

    @Test
    void theExampleSpecsAreValid() throws Exception {
        Desired d = loader.load(List.of(Path.of("examples/specs")));
        DomainSpec app01 = d.domains().get(0);
        DomainSpec db01 = d.domains().get(1);
        DomainSpec web01 = d.domains().get(2);
        assertEquals("db01", db01.domain());
        assertEquals(List.of("daily", "hourly"), app01.retention().stream().map(RetentionRule::prefix).toList());
        assertEquals(new RetentionRule("daily", java.time.Duration.ofDays(1), 7, java.time.Duration.ofDays(30), false, false,
                Map.of("xvda", DiskMode.AUTO), new SourceRef("examples/specs/app01-retention.yaml", 8, 5)),
                app01.retention().get(0));
        assertEquals(new SnapshotSpec("before-schema-migration", "disks only, crash-consistent", Presence.PRESENT,
                false, false, Map.of("xvda", DiskMode.AUTO, "xvdb", DiskMode.EXCLUDE),
                new SourceRef("examples/specs/db01.yaml", 7, 5)), db01.snapshots().get(0));
        assertEquals(Presence.ABSENT, db01.snapshots().get(1).state());
        assertEquals(new DomainSpec("web01", List.of(new SnapshotSpec("pre-upgrade", "before the kernel upgrade",
                Presence.PRESENT, true, false, Map.of("xvda", DiskMode.EXTERNAL),
                new SourceRef("examples/specs/web01.yaml", 8, 5))),
                new SourceRef("examples/specs/web01.yaml", 3, 1), Optional.of(Path.of("/etc/xen/web01.cfg"))), web01);
        assertEquals(List.of(new CloneSpec("web01-test1", "web01", "pre-upgrade", Presence.PRESENT, "running",
                        new SourceRef("examples/specs/app-clones.yaml", 5, 1)),
                new CloneSpec("web01-test2", "web01", "pre-upgrade", Presence.ABSENT, "shutoff",
                        new SourceRef("examples/specs/app-clones.yaml", 13, 1))), d.clones());
    }

    @Test
    void theCloneDefaultsInTheSchemaAreTheOnesTheBuilderFillsIn() throws IOException {
        JsonNode props;
        try (InputStream in = getClass().getResourceAsStream(SpecSchema.RESOURCE)) {
            props = JsonMapper.builder().build().readTree(in).path("$defs").path("domainClone").path("properties");
        }
        assertEquals(SpecBuilder.DEFAULT_START, props.path("start").path("default").asString());
        assertEquals(SpecBuilder.DEFAULT_STATE.name().toLowerCase(java.util.Locale.ROOT),
                props.path("state").path("default").asString());
    }

    @Test
    void theSchemaDefaultsAreTheOnesTheBuilderFillsIn() throws IOException {
        JsonNode props;
        try (InputStream in = getClass().getResourceAsStream(SpecSchema.RESOURCE)) {
            props = JsonMapper.builder().build().readTree(in).path("$defs").path("snapshot").path("properties");
        }
        assertEquals(SpecBuilder.DEFAULT_STATE.name().toLowerCase(java.util.Locale.ROOT),
                props.path("state").path("default").asString());
        assertEquals(SpecBuilder.DEFAULT_MEMORY, props.path("memory").path("default").asBoolean());
        assertEquals(SpecBuilder.DEFAULT_LIVE, props.path("live").path("default").asBoolean(true));
    }

    @Test
    void theSchemaNamesTheSameDiskModesAsTheModel() throws IOException {
        JsonNode modes;
        try (InputStream in = getClass().getResourceAsStream(SpecSchema.RESOURCE)) {
            modes = JsonMapper.builder().build().readTree(in).path("$defs").path("diskMode").path("enum");
        }
        List<String> words = new java.util.ArrayList<>();
        modes.forEach(m -> words.add(m.asString()));
        assertEquals(java.util.Arrays.stream(DiskMode.values()).map(DiskMode::word).toList(), words);
    }
}
