package io.xsnap.ansible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.apply.HostLock;
import io.xsnap.host.image.ImageReader;
import io.xsnap.observe.Json;
import io.xsnap.testing.Ansible;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestLab.Disk;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collection xsnap.xen with the real ansible-playbook against localhost (connection local) and real
 * QEMU guests through the qemu driver, on the jar {@code mvn package} built. Every run is checked on the
 * host too: the store's files, the images' snapshot tables, the guests' state and disk contents.
 */
@GuestTest
class PlaybookIT {
    static final Path REPO = Path.of("").toAbsolutePath();
    static final Path JAR = REPO.resolve("target/xsnap.jar");
    static final long MIB = 1 << 20;
    static final long K64 = 64 * 1024;

    @TempDir
    static Path shared;
    static Ansible ansible;

    @TempDir
    Path tmp;
    GuestLab lab;
    Path store;

    @BeforeAll
    static void installTheCollection() {
        Ansible.requireInstalled();
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: these tests run in 'mvn verify', after package");
        ansible = Ansible.install(REPO, shared);
    }

    @BeforeEach
    void lab() {
        lab = new GuestLab(tmp.resolve("lab"));
        store = tmp.resolve("store");
    }

    @AfterEach
    void cleanUp() {
        lab.close();
    }

    private TestGuest web01() {
        return lab.start("web01", Disk.qcow2("xvda", lab.createDisk("web01.qcow2", "qcow2", 16 * MIB)));
    }

    private Path write(String name, String text) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /** Extra variables as a JSON file, for -e @FILE. */
    private Path vars(Map<String, Object> vars) throws IOException {
        Path f = tmp.resolve("vars-" + System.nanoTime() + ".json");
        Files.writeString(f, Json.mapper().writeValueAsString(vars));
        return f;
    }

    /** The environment that points the xsnap modules at this lab (as a host's inventory would). */
    private Map<String, String> xsnapEnvironment(GuestLab lab, Path store) {
        return Map.of("XSNAP_JAR", JAR.toString(), "XSNAP_STORE", store.toString(), "XSNAP_DRIVER", "qemu",
                "XSNAP_QEMU_DIR", lab.qemuDir().toString());
    }

    /** Names, sizes and modification times of every file under the lab and the store, except the qemu dir. */
    private List<String> hostFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path root : List.of(lab.root(), store)) {
            if (!Files.exists(root)) {
                out.add(root + " (absent)");
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(p -> !p.startsWith(lab.qemuDir())).sorted().toList()) {
                    out.add(p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p));
                }
            }
        }
        return out;
    }

    private List<String> internalSnapshots(Path image) {
        return new ImageReader().read(image, "qcow2").snapshots().stream().map(s -> s.name()).toList();
    }

    private static void ok(Ansible.Run r) {
        assertEquals(0, r.code(), r.toString());
    }

    private static final String LIFECYCLE = """
            - name: xsnap.xen.snapshot and snapshot_info on web01
              hosts: localhost
              gather_facts: false
              module_defaults:
                group/xsnap.xen.all:
                  xsnap_jar: "{{ jar }}"
                  store: "{{ store }}"
                  driver: qemu
                  qemu_dir: "{{ qemu_dir }}"
              tasks:
                - name: Take pre
                  xsnap.xen.snapshot: {domain: web01, name: pre}
                  when: step in ['check', 'create']
                - name: Take pre again
                  xsnap.xen.snapshot: {domain: web01, name: pre}
                  register: again
                  when: step == 'create'
                - name: List
                  xsnap.xen.snapshot_info: {domain: web01}
                  register: info
                  when: step == 'create'
                - name: Second take changed nothing; the list shows pre
                  ansible.builtin.assert:
                    that:
                      - again is not changed
                      - info is not changed
                      - info.domains.web01.current == 'pre'
                      - info.domains.web01.state == 'running'
                      - info.snapshots | map(attribute='name') | list == ['pre']
                      - info.snapshots[0].memory
                  when: step == 'create'
                - name: Revert to pre
                  xsnap.xen.snapshot: {domain: web01, name: pre, state: reverted, force: true}
                  register: reverted
                  when: step == 'revert'
                - name: Delete pre
                  xsnap.xen.snapshot: {domain: web01, name: pre, state: absent}
                  register: deleted
                  when: step == 'revert'
                - name: Delete pre again
                  xsnap.xen.snapshot: {domain: web01, name: pre, state: absent}
                  register: deleted_again
                  when: step == 'revert'
                - name: Revert and the first delete changed the host, the second delete did not
                  ansible.builtin.assert:
                    that: [reverted is changed, deleted is changed, deleted_again is not changed]
                  when: step == 'revert'
            """;

    @Test
    void snapshotModuleCreatesIdempotentlyChecksWithoutTouchingTheHostRevertsAndDeletes() throws IOException {
        TestGuest g = web01();
        g.write("xvda", 0x11, 0, K64);
        Path playbook = write("lifecycle.yml", LIFECYCLE);
        Map<String, Object> common = new LinkedHashMap<>(Map.of("jar", JAR.toString(), "store", store.toString(),
                "qemu_dir", lab.qemuDir().toString()));
        String[] inventory = {"-i", "localhost,", "-c", "local", playbook.toString()};

        common.put("step", "check");
        List<String> filesBefore = hostFiles();
        long pid = g.pid();
        Ansible.Run check = ansible.playbook(concat(inventory, "-e", "@" + vars(common), "--check", "--diff"));
        ok(check);
        assertEquals(1, check.recap("localhost").changed(), check.toString());
        assertTrue(check.output().contains("-        \"snapshots\": []"), check.toString());
        assertTrue(check.output().contains("+        \"current\": \"pre\","), check.toString());
        assertEquals(filesBefore, hostFiles(), "check mode changes no file");
        assertFalse(Files.exists(store), "check mode does not even make the store");
        assertEquals(List.of(), internalSnapshots(lab.root().resolve("web01.qcow2")));
        assertEquals(pid, g.pid(), "the guest was not restarted");
        assertEquals("running", g.status());

        common.put("step", "create");
        Ansible.Run create = ansible.playbook(concat(inventory, "-e", "@" + vars(common)));
        ok(create);
        assertEquals(1, create.recap("localhost").changed(), create.toString());
        assertTrue(Files.isRegularFile(store.resolve("web01/pre/snapshot.json")));
        assertTrue(Files.isRegularFile(store.resolve("web01/pre/memory.save")));
        assertEquals("running", g.status(), "resumed after its memory was saved");
        g.write("xvda", 0x22, 0, K64);

        Ansible.Run again = ansible.playbook(concat(inventory, "-e", "@" + vars(common)));
        ok(again);
        assertEquals(0, again.recap("localhost").changed(), again.toString());

        common.put("step", "revert");
        Ansible.Run revert = ansible.playbook(concat(inventory, "-e", "@" + vars(common)));
        ok(revert);
        assertEquals(2, revert.recap("localhost").changed(), revert.toString());
        TestGuest back = lab.guest("web01");
        assertEquals("running", back.status());
        back.assertReads("xvda", 0x11, 0, K64);
        assertFalse(Files.exists(store.resolve("web01/pre")), "deleted");
        back.quit();
        assertEquals(List.of(), internalSnapshots(lab.root().resolve("web01.qcow2")));
    }

    @Test
    void failuresCarryTheJarsMessageAndExitCodeABadSpecItsFileLineAndColumn() throws IOException {
        Path specs = Files.createDirectories(tmp.resolve("specs"));
        Path bad = Files.writeString(specs.resolve("web01.yaml"), """
                apiVersion: xsnap/v1
                kind: DomainSnapshots
                domain: web01
                snapshots:
                  - name: pre-upgrade
                    memory: maybe
                """);
        Path playbook = write("failures.yml", """
                - hosts: localhost
                  gather_facts: false
                  module_defaults:
                    group/xsnap.xen.all: {xsnap_jar: "%s", store: "%s", driver: qemu, qemu_dir: "%s"}
                  tasks:
                    - name: No jar there
                      xsnap.xen.snapshot_info: {xsnap_jar: /nonexistent/xsnap.jar}
                      register: no_jar
                      ignore_errors: true
                    - name: A file that is no jar
                      xsnap.xen.snapshot_info: {xsnap_jar: "%s"}
                      register: not_a_jar
                      ignore_errors: true
                    - name: Another run holds the lock
                      xsnap.xen.snapshot: {domain: web01, name: pre, lock_timeout: 1s}
                      register: locked
                      ignore_errors: true
                    - name: Waits for the lock longer than the timeout
                      xsnap.xen.snapshot: {domain: web01, name: pre, lock_timeout: 5m, timeout: 3}
                      register: timed_out
                      ignore_errors: true
                    - name: No java there
                      xsnap.xen.snapshot_info: {java_executable: /nonexistent/java}
                      register: no_java
                      ignore_errors: true
                    - name: Each failed with what went wrong
                      ansible.builtin.assert:
                        that:
                          - no_jar is failed
                          - "'xsnap jar /nonexistent/xsnap.jar not found' in no_jar.msg"
                          - not_a_jar is failed
                          - "'without a result' in not_a_jar.msg"
                          - not_a_jar.rc == 1
                          - "'jarfile' in not_a_jar.msg"
                          - locked is failed
                          - locked.rc == 75
                          - locked.rc_meaning == 'another xsnap run holds the lock'
                          - "'another xsnap run holds' in locked.msg"
                          - "'raise lock_timeout' in locked.msg"
                          - timed_out is failed
                          - timed_out.rc == 124
                          - timed_out.rc_meaning == 'timed out'
                          - "'did not finish within timeout=3 s (stopped after 3.' in timed_out.msg"
                          - no_java is failed
                          - no_java.rc == 127
                          - no_jar.rc == 127
                          - "'java_executable /nonexistent/java is not an executable file' == no_java.msg"
                    - name: Make the host match the specs
                      xsnap.xen.reconcile:
                        spec:
                          - "%s"
                          - apiVersion: xsnap/v1
                            kind: DomainSnapshots
                            domain: db01
                            snapshots: [{name: "a/b"}]
                """.formatted(JAR, store, lab.qemuDir(), bad, specs));
        Ansible.Run r;
        try (HostLock held = HostLock.acquire(store.resolve(".lock"), Duration.ZERO)) {
            r = ansible.playbook("-i", "localhost,", "-c", "local", playbook.toString());
        }
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.recap("localhost").failed(), r.toString());
        assertEquals(5, r.recap("localhost").ignored(), r.toString());
        assertTrue(r.output().contains("TASK [Each failed with what went wrong]"), r.toString());
        assertTrue(r.output().contains(bad + ":6:13: snapshots[0].memory: "), r.toString());
        assertTrue(r.output().contains("spec[1]:5:9: snapshots[0].name: "), r.toString());
        assertTrue(r.output().contains("\"rc\": 65"), r.toString());
        assertTrue(r.output().contains("snapshots[0].memory: must be true or false, not \\\"maybe\\\""),
                "the text reconcile's RETURN shows as the sample of errors:\n" + r);
        try (Stream<Path> files = Files.list(store)) {
            assertEquals(List.of(store.resolve(".lock")), files.toList(), "nothing changed");
        }
    }

    private static final String DIFFS = """
            - hosts: localhost
              gather_facts: false
              module_defaults:
                group/xsnap.xen.all: {xsnap_jar: "%s", store: "%s", driver: qemu, qemu_dir: "%s"}
              tasks:
                - name: Three snapshots in a loop
                  xsnap.xen.snapshot: {domain: web01, name: "{{ item }}", memory: false}
                  loop: [one, two, three]
                  when: step == 'loop'
                - name: Back to one
                  xsnap.xen.snapshot: {domain: web01, name: one, state: reverted, force: true}
                  register: back
                  when: step == 'revert'
                - name: No diff is returned without --diff
                  ansible.builtin.assert:
                    that: [back.diff is not defined, back.changes | length == 1, back.rc_meaning == 'ok']
                  when: step == 'revert' and not ansible_diff_mode and not ansible_check_mode
                - name: A misspelt domain
                  xsnap.xen.snapshot: {domain: web1, name: one, state: "{{ item }}"}
                  loop: [present, absent, reverted]
                  register: typo
                  ignore_errors: true
                  when: step == 'errors'
                - name: A lock timeout that is no duration
                  xsnap.xen.snapshot: {domain: web01, name: one, lock_timeout: soon}
                  register: soon
                  ignore_errors: true
                  when: step == 'errors'
                - name: An option the state does not use
                  xsnap.xen.snapshot: {domain: web01, name: four, force: true}
                  register: unused
                  ignore_errors: true
                  when: step == 'errors'
                - name: The specs as one string, not a list
                  xsnap.xen.reconcile:
                    spec: "%s"
                  register: one_string
                  check_mode: true
                  when: step == 'errors'
                - name: Each failed in the modules' terms, on one line
                  ansible.builtin.assert:
                    that:
                      - typo.results | map(attribute='failed') | list == [true, true, true]
                      - typo.results | map(attribute='rc') | list == [1, 1, 1]
                      - "typo.results[0].msg == 'web1/one: domain web1 does not exist on this host and has no snapshots in the store %s; the qemu driver knows web01 (check the domain option)'"
                      - soon is failed
                      - soon.rc == 64
                      - 'soon.msg == "lock_timeout: ''soon'' is not a duration (e.g. 30s, 5m, 2h, 7d)"'
                      - soon.stderr is not defined and soon.cmd is not defined
                      - unused is failed
                      - "unused.msg == 'force: not used with state=present'"
                      - one_string is not failed
                      - one_string is changed
                  when: step == 'errors'
            """;

    /** The "+" and "-" lines of every diff Ansible printed. */
    private static List<String> diffLines(Ansible.Run r) {
        return r.output().lines().filter(l -> l.matches("^[-+] .*|^[-+]\\s+\".*")).toList();
    }

    @Test
    void diffsShowInLoopsAreTheSameInCheckModeAndNameTheCurrentSnapshotBeforeAndAfter() throws IOException {
        web01();
        Path specs = Files.createDirectories(tmp.resolve("specs"));
        Files.writeString(specs.resolve("web01.yaml"), "apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: web01\n"
                + "snapshots: [{name: four, memory: false}]\n");
        Path playbook = write("diffs.yml", DIFFS.formatted(JAR, store, lab.qemuDir(), specs, store));
        String[] run = {"-i", "localhost,", "-c", "local", playbook.toString()};

        Ansible.Run loop = ansible.playbook(concat(run, "-e", "step=loop", "--diff"));
        ok(loop);
        assertEquals(3, loop.output().split("\\+\\+\\+ after", -1).length - 1, "three diffs:\n" + loop);
        assertTrue(loop.output().contains("+        \"current\": \"three\","), loop.toString());

        Ansible.Run check = ansible.playbook(concat(run, "-e", "step=revert", "--diff", "--check"));
        ok(check);
        Ansible.Run revert = ansible.playbook(concat(run, "-e", "step=revert", "--diff"));
        ok(revert);
        assertEquals(List.of("-        \"current\": \"three\",", "+        \"current\": \"one\","), diffLines(revert),
                revert.toString());
        assertEquals(diffLines(revert), diffLines(check), "check mode shows the diff the real run shows");
        assertEquals("one", Files.readString(store.resolve("web01/.current")).strip());
        ok(ansible.playbook(concat(run, "-e", "step=revert")));

        Ansible.Run errors = ansible.playbook(concat(run, "-e", "step=errors"));
        ok(errors);
        assertEquals(1, errors.output().split("lock_timeout: 'soon' is not a duration", -1).length - 1,
                "said once, no usage text:\n" + errors);
    }

    /** The "Done when" story of a new user: the upgrade playbook in check mode, for real, again; then a failure. */
    @Test
    void upgradePlaybookSnapshotsUpgradesDeletesAndRevertsWhenTheUpgradeFails() throws IOException {
        TestGuest g = web01();
        g.write("xvda", 0x11, 0, K64);
        Path app = tmp.resolve("app");
        Map<String, Object> vars = new LinkedHashMap<>(Map.of("xsnap_domain", "web01", "app_dir", app.toString(),
                "xsnap_environment", xsnapEnvironment(lab, store)));
        String[] run = {"-i", "localhost,", "-c", "local", REPO.resolve("examples/playbooks/upgrade.yml").toString(),
            "-e", "@" + vars(vars)};

        List<String> filesBefore = hostFiles();
        Ansible.Run check = ansible.playbook(concat(run, "--check", "--diff"));
        ok(check);
        assertTrue(check.output().contains("+        \"current\": \"pre-upgrade\","), check.toString());
        assertEquals(filesBefore, hostFiles(), "check mode changes nothing");
        assertFalse(Files.exists(app));
        assertFalse(Files.exists(store));

        Ansible.Run upgrade = ansible.playbook(run);
        ok(upgrade);
        assertTrue(upgrade.output().matches("(?s).*TASK \\[Snapshot the domain before the upgrade\\][^\\n]*\\nchanged: .*"),
                upgrade.toString());
        assertEquals("2.0\n", Files.readString(app.resolve("VERSION")));
        assertEquals("pre-upgrade", Files.readString(store.resolve("web01/.current")).strip(), "a snapshot was taken");
        assertFalse(Files.exists(store.resolve("web01/pre-upgrade")), "and deleted after the upgrade went well");
        assertEquals("running", g.status());

        Ansible.Run again = ansible.playbook(run);
        ok(again);
        assertEquals(0, again.recap("localhost").changed(), again.toString());

        // an upgrade whose check fails after it broke the guest's disk: the rescue reverts the domain
        Path breaks = write("broken-upgrade.py", """
                import json, socket, sys
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
                def cmd(name, args=None):
                    f.write(json.dumps({"execute": name, "arguments": args or {}}) + "\\n"); f.flush()
                    while True:
                        r = json.loads(f.readline())
                        if "return" in r or "error" in r:
                            return r
                f.readline(); cmd("qmp_capabilities")
                cmd("human-monitor-command", {"command-line": 'qemu-io xvda "write -P 0x22 0 65536"'})
                sys.exit("health check: the application does not answer")
                """);
        vars.put("app_version", "3.0");
        vars.put("health_check", List.of("python3", breaks.toString(), g.qmpSocket().toString()));
        run[run.length - 1] = "@" + vars(vars);
        Ansible.Run failed = ansible.playbook(run);
        assertEquals(2, failed.code(), failed.toString());
        assertEquals(1, failed.recap("localhost").rescued(), failed.toString());
        assertTrue(failed.output().contains("is back at snapshot pre-upgrade"), failed.toString());
        TestGuest back = lab.guest("web01");
        assertEquals("running", back.status());
        back.assertReads("xvda", 0x11, 0, K64);
        assertTrue(Files.isRegularFile(store.resolve("web01/pre-upgrade/snapshot.json")), "the snapshot is kept");
        assertTrue(Files.readString(store.resolve("web01/pre-upgrade/snapshot.json"))
                .contains("\"description\" : \"before the upgrade to 3.0\""), "the description option is kept");
    }

    @Test
    void dailySnapshotsRollAcrossAnInventory() throws IOException {
        web01();
        GuestLab lab2 = new GuestLab(tmp.resolve("lab2"));
        try {
            lab2.start("db01", Disk.qcow2("xvda", lab2.createDisk("db01.qcow2", "qcow2", 16 * MIB)));
            Path store2 = tmp.resolve("store2");
            Cli xen1 = new Cli(store, lab.qemuDir());
            for (String day : List.of("20260101", "20260102")) {
                Cli.Run r = xen1.host("create", "web01", "--name", "daily-" + day, "--disk-only");
                assertEquals(0, r.code(), r.toString());
            }
            Path inventory = write("inventory.json", Json.mapper().writeValueAsString(Map.of("xen_hosts", Map.of("hosts",
                    Map.of("xen1", host(xsnapEnvironment(lab, store)), "xen2", host(xsnapEnvironment(lab2, store2)))))));
            String[] run = {"-i", inventory.toString(), REPO.resolve("examples/playbooks/daily-snapshots.yml").toString(),
                "-e", "today=20260103", "-e", "keep_daily=2"};

            Ansible.Run first = ansible.playbook(run);
            ok(first);
            assertEquals(1, first.recap("xen1").changed(), first.toString());
            assertEquals(1, first.recap("xen2").changed(), first.toString());
            assertEquals(List.of("daily-20260102", "daily-20260103"), snapshotDirs(store, "web01"));
            assertEquals(List.of("daily-20260103"), snapshotDirs(store2, "db01"));
            assertEquals(List.of("daily-20260102", "daily-20260103"), internalSnapshots(lab.root().resolve("web01.qcow2")));

            Ansible.Run again = ansible.playbook(run);
            ok(again);
            assertEquals(0, again.recap("xen1").changed(), again.toString());
            assertEquals(0, again.recap("xen2").changed(), again.toString());
        } finally {
            lab2.close();
        }
    }

    private static Map<String, Object> host(Map<String, String> environment) {
        return Map.of("ansible_connection", "local", "xsnap_environment", environment);
    }

    private static List<String> snapshotDirs(Path store, String domain) throws IOException {
        try (Stream<Path> s = Files.list(store.resolve(domain))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("snapshot.json"))).map(p -> p.getFileName().toString())
                    .sorted().toList();
        }
    }

    private static final String INSTALL = """
            - hosts: localhost
              gather_facts: false
              roles:
                - role: xsnap.xen.install
                  vars: %s
              tasks:
                - name: The modules work with what the role installed
                  xsnap.xen.snapshot_info: %s
                  register: info
                - name: They see the guest
                  ansible.builtin.assert:
                    that: [info.domains.web01.state == 'running']
            """;

    @Test
    void installRoleCopiesTheJarOnceAndTheModulesWork() throws IOException {
        web01();
        Path jar = tmp.resolve("opt/xsnap/xsnap.jar");
        Path playbook = write("install.yml", INSTALL.formatted(
                Json.mapper().writeValueAsString(Map.of("xsnap_install_from", "jar", "xsnap_jar_src", JAR.toString(),
                        "xsnap_jar_path", jar.toString())),
                Json.mapper().writeValueAsString(Map.of("xsnap_jar", jar.toString(), "store", store.toString(),
                        "driver", "qemu", "qemu_dir", lab.qemuDir().toString()))));
        Ansible.Run first = ansible.playbook("-i", "localhost,", "-c", "local", playbook.toString());
        ok(first);
        assertEquals(2, first.recap("localhost").changed(), "the jar's directory and the jar:\n" + first);
        assertEquals(Files.size(JAR), Files.size(jar));
        Ansible.Run second = ansible.playbook("-i", "localhost,", "-c", "local", playbook.toString());
        ok(second);
        assertEquals(0, second.recap("localhost").changed(), second.toString());
    }

    /**
     * The Debian package the build makes, installed by the role with apt as a fleet would (root only, and only
     * when no xsnap package is installed): xsnap runs from the PATH and the modules find the jar without being
     * told where. The package is purged afterwards.
     */
    @Test
    void installRoleInstallsTheDebianPackage() throws Exception {
        Path deb = REPO.resolve("target/xsnap_" + version() + "_all.deb");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(deb), deb + " is built where dpkg-deb is");
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "installs a package: root only");
        org.junit.jupiter.api.Assumptions.assumeTrue(sh("dpkg-query", "-W", "xsnap").code() != 0,
                "an xsnap package is installed already: left alone");
        web01();
        Path debDir = tmp.resolve("deb");
        Path playbook = write("install-deb.yml", INSTALL.formatted(
                Json.mapper().writeValueAsString(Map.of("xsnap_install_from", "deb", "xsnap_deb_src", deb.toString(),
                        "xsnap_deb_dir", debDir.toString())),
                Json.mapper().writeValueAsString(Map.of("store", store.toString(), "driver", "qemu",
                        "qemu_dir", lab.qemuDir().toString()))));
        try {
            Ansible.Run first = ansible.playbook("-i", "localhost,", "-c", "local", playbook.toString());
            ok(first);
            assertEquals(3, first.recap("localhost").changed(), "directory, file, package:\n" + first);
            Ansible.Run second = ansible.playbook("-i", "localhost,", "-c", "local", playbook.toString());
            ok(second);
            assertEquals(0, second.recap("localhost").changed(), second.toString());
            Sh version = sh("bash", "-c", "cd / && xsnap --version && ls /var/cache/xsnap && man -w xsnap"
                    + " && test -s /usr/share/bash-completion/completions/xsnap");
            assertEquals(0, version.code(), version.out());
            assertTrue(version.out().startsWith("xsnap " + version() + "\n"), version.out());
            assertTrue(version.out().contains("xsnap.jsa"), "the launcher made its class-data archive: " + version.out());
            assertTrue(version.out().contains("/usr/share/man/man1/xsnap.1.gz"), version.out());
        } finally {
            Sh purge = sh("apt-get", "purge", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "xsnap");
            assertEquals(0, purge.code(), purge.out());
        }
        assertFalse(Files.exists(Path.of("/usr/bin/xsnap")));
        assertFalse(Files.exists(Path.of("/var/cache/xsnap")), "purge removes the archives");
    }

    private record Sh(int code, String out) {
    }

    private static Sh sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Sh(p.waitFor(), out);
    }

    private static String version() throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<artifactId>xsnap</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(REPO.resolve("pom.xml")));
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void theBuiltCollectionHasItsLicenseChangelogAndRoleButNotTheSanityScript() throws IOException {
        Ansible.Run build = ansible.run(List.of("ansible-galaxy", "collection", "build", REPO.resolve("ansible").toString(),
                "--output-path", tmp.toString()));
        ok(build);
        Path tarball = tmp.resolve("xsnap-xen-" + collectionVersion() + ".tar.gz");
        Ansible.Run list = ansible.run(List.of("tar", "tzf", tarball.toString()));
        ok(list);
        List<String> files = list.output().lines().toList();
        for (String f : List.of("LICENSE", "changelogs/changelog.yaml", "changelogs/fragments/15-fleet.yml",
                "roles/install/tasks/main.yml", "plugins/modules/snapshot.py")) {
            assertTrue(files.contains(f), f + " in " + files);
        }
        assertFalse(files.contains("tests/sanity.sh"), files.toString());
    }

    private static String collectionVersion() throws IOException {
        return Files.readAllLines(REPO.resolve("ansible/galaxy.yml")).stream().filter(l -> l.startsWith("version:"))
                .findFirst().orElseThrow().substring("version:".length()).strip();
    }

    @Test
    void ansibleDocRendersEveryModule() {
        Ansible.Run doc = ansible.run(List.of("ansible-doc", "xsnap.xen.snapshot", "xsnap.xen.reconcile",
                "xsnap.xen.snapshot_info"));
        ok(doc);
        for (String s : List.of("> XSNAP.XEN.SNAPSHOT", "> XSNAP.XEN.RECONCILE", "> XSNAP.XEN.SNAPSHOT_INFO",
                "revert_state", "xsnap_jar", "RETURN VALUES", "EXAMPLES")) {
            assertTrue(doc.output().contains(s), s + " in:\n" + doc.output());
        }
        assertFalse(doc.output().contains("WARNING"), doc.output());
    }

    /** Every sanity test, offline: Debian's packages stand in for PyPI's (ci/install-deps.sh installs them). */
    @Test
    void ansibleTestSanityPassesOffline() {
        boolean debian = Stream.of("/usr/bin/pylint", "/usr/bin/yamllint", "/usr/lib/python3/dist-packages/pycodestyle.py",
                "/usr/lib/python3/dist-packages/voluptuous").allMatch(f -> Files.exists(Path.of(f)));
        if (!debian && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("pylint, yamllint, pycodestyle or voluptuous is missing: ci/install-deps.sh ansible installs them");
        }
        Ansible.Run sanity = ansible.run(debian
                ? List.of("bash", REPO.resolve("ansible/tests/sanity.sh").toString(), "--debian-venvs")
                : List.of("bash", REPO.resolve("ansible/tests/sanity.sh").toString()));
        ok(sanity);
        assertTrue(sanity.output().contains("sanity: passed:"), sanity.toString());
        if (debian) {
            assertTrue(sanity.output().contains(" pylint ") && sanity.output().contains(" validate-modules "), sanity.toString());
        }
        assertFalse(sanity.output().contains("ERROR"), sanity.toString());
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
