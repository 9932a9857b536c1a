package io.xsnap.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Specs as a new user writes them wrongly, each with the exact problems xsnap must report
 * (FILE:LINE:COLUMN: field: message). Each case is written to {@code spec.yaml}.
 */
class SpecLoaderBadSpecsTest {
    private static final String HEAD = "apiVersion: xsnap/v1\nkind: DomainSnapshots\n";
    private static final String NAME_RULE =
            "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";
    private static final String VDEV_RULE = "a disk is named by its vdev as in the domain's config: a lowercase"
            + " letter, then up to 31 lowercase letters, digits, '_' or '-' (e.g. xvda)";
    private static final String TOP_KEYS = "allowed here: apiVersion, kind, domain, xlConfig, snapshots, retention, revert";
    private static final String CLONE = "apiVersion: xsnap/v1\nkind: DomainClone\n";
    private static final String CLONE_KEYS = "allowed here: apiVersion, kind, domain, from, state, start";
    private static final String SNAPSHOT_KEYS = "allowed here: name, description, state, memory, live, disks";

    @TempDir
    Path tmp;

    private final SpecLoader loader = new SpecLoader();

    record Case(String title, String yaml, List<String> expected) {
    }

    private static Case bad(String title, String yaml, String... expected) {
        return new Case(title, yaml, List.of(expected));
    }

    static List<Case> cases() {
        return List.of(
                // --- YAML syntax -------------------------------------------------------------------
                bad("tab used for indentation",
                        HEAD + "domain: web01\nsnapshots:\n\t- name: a\n",
                        "spec.yaml:5:1: (yaml): YAML syntax error: a tab character; YAML indents with spaces only"),
                bad("key indented deeper than its siblings",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n     memory: true\n",
                        "spec.yaml:6:12: (yaml): YAML syntax error: a ':' where no key can start; check the"
                        + " indentation of this line (keys of one mapping must line up) and quote values that"
                        + " contain ': '"),
                bad("key indented less than its siblings",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n   memory: true\n",
                        "spec.yaml:6:4: (yaml): YAML syntax error: this line does not line up with the lines"
                        + " before it; indent keys of one mapping, and the '- ' items of one list, by the same"
                        + " number of spaces"),
                bad("top-level key indented by one space",
                        "apiVersion: xsnap/v1\n kind: DomainSnapshots\ndomain: web01\nsnapshots: []\n",
                        "spec.yaml:2:6: (yaml): YAML syntax error: a ':' where no key can start; check the"
                        + " indentation of this line (keys of one mapping must line up) and quote values that"
                        + " contain ': '"),
                bad("quoted string never closed",
                        HEAD + "domain: web01\nsnapshots:\n  - name: \"pre-upgrade\n",
                        "spec.yaml:6:1: (yaml): YAML syntax error: a quoted string is not closed (opened at"
                        + " line 5, column 11)"),
                bad("flow list never closed",
                        HEAD + "domain: web01\nsnapshots: [{name: a}\n",
                        "spec.yaml:5:1: (yaml): YAML syntax error: a '[' list is not closed with ']', or its"
                        + " items are not separated by ',' (opened at line 4, column 12)"),
                bad("file ends after an opening bracket",
                        HEAD + "domain: web01\nsnapshots: [\n",
                        "spec.yaml:5:1: (yaml): YAML syntax error: the file ends where a value should follow;"
                        + " close every '[' with ']' and every '{' with '}'"),
                bad("no space after the colon of a top-level key",
                        HEAD + "domain:web01\nsnapshots: []\n",
                        "spec.yaml:3:1: (yaml): YAML syntax error: expected 'key: value' on this line; put a space"
                        + " after the ':' of a key, and check the indentation"),
                bad("value containing ': ' without quotes",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    description: note: x\n",
                        "spec.yaml:6:22: (yaml): YAML syntax error: a ':' where no key can start; check the"
                        + " indentation of this line (keys of one mapping must line up) and quote values that"
                        + " contain ': '"),
                bad("text after a quoted value",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    description: \"before\" upgrade\n",
                        "spec.yaml:6:27: (yaml): YAML syntax error: more text after the end of a value; when a"
                        + " value is quoted, quote all of it"),
                bad("value starting with a reserved character",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    description: @admin asked\n",
                        "spec.yaml:6:18: (yaml): YAML syntax error: a plain value cannot start with '@'; put the"
                        + " value in quotes"),
                bad("Windows line endings keep the places right",
                        HEAD.replace("\n", "\r\n") + "domain: web01\r\nsnapshots:\r\n  - name: a\r\n    live: yes\r\n",
                        "spec.yaml:6:11: snapshots[0].live: must be true or false; in YAML 1.2 \"yes\" is a string,"
                        + " not a boolean"),
                bad("key set twice",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memory: true\n    memory: false\n",
                        "spec.yaml:7:5: snapshots[0].memory: duplicate key: \"memory\" is already set at line 6,"
                        + " column 5; write each key once"),
                bad("YAML alias",
                        HEAD + "domain: web01\nsnapshots:\n  - name: &n a\n    description: *n\n",
                        "spec.yaml:6:18: snapshots[0].description: YAML aliases (*n) are not supported in xsnap"
                        + " specs; write the value out in full"),
                bad("no space after the colon of a snapshot's key",
                        HEAD + "domain: web01\nsnapshots:\n  - name:pre-upgrade\n",
                        "spec.yaml:5:5: snapshots[0]: each snapshot must be a mapping (name: ..., memory: ...,"
                        + " disks: ...), not \"name:pre-upgrade\"; put a space after the ':' of a key"),

                // --- wrong types -------------------------------------------------------------------
                bad("memory: yes (a string in YAML 1.2)",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memory: yes\n",
                        "spec.yaml:6:13: snapshots[0].memory: must be true or false; in YAML 1.2 \"yes\" is a"
                        + " string, not a boolean"),
                bad("live: off",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    live: off\n",
                        "spec.yaml:6:11: snapshots[0].live: must be true or false; in YAML 1.2 \"off\" is a"
                        + " string, not a boolean"),
                bad("boolean in quotes",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memory: \"false\"\n",
                        "spec.yaml:6:13: snapshots[0].memory: must be true or false without quotes, not \"false\""),
                bad("boolean as a number",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    live: 1\n",
                        "spec.yaml:6:11: snapshots[0].live: must be true or false, not the number 1"),
                bad("snapshot name that YAML reads as a number",
                        HEAD + "domain: web01\nsnapshots:\n  - name: 2024\n",
                        "spec.yaml:5:11: snapshots[0].name: must be a string, not the number 2024; put it in"
                        + " quotes"),
                bad("empty description",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    description:\n",
                        "spec.yaml:6:17: snapshots[0].description: must be a string, not empty"),
                bad("a list where the spec (a mapping) is expected",
                        "- apiVersion: xsnap/v1\n  kind: DomainSnapshots\n  domain: web01\n  snapshots: []\n",
                        "spec.yaml:1:1: (document): a spec must be a mapping (apiVersion: ..., kind: ..., domain:"
                        + " ..., snapshots: ...), not a list; separate several specs in one file with a '---' line"),
                bad("a lone word as the document",
                        "web01\n",
                        "spec.yaml:1:1: (document): a spec must be a mapping (apiVersion: ..., kind: ..., domain:"
                        + " ..., snapshots: ...), not \"web01\""),
                bad("snapshots as a mapping keyed by name",
                        HEAD + "domain: web01\nsnapshots:\n  pre-upgrade:\n    memory: true\n",
                        "spec.yaml:5:3: snapshots: must be a list of snapshots, each item starting with '- ' (e.g."
                        + " - name: pre-upgrade), not a mapping"),
                bad("snapshots left empty",
                        HEAD + "domain: web01\nsnapshots:\n",
                        "spec.yaml:4:11: snapshots: must be a list of snapshots, not empty; write snapshots: []"
                        + " for none"),
                bad("snapshot written as a bare name",
                        HEAD + "domain: web01\nsnapshots:\n  - pre-upgrade\n",
                        "spec.yaml:5:5: snapshots[0]: each snapshot must be a mapping (name: ..., memory: ...,"
                        + " disks: ...), not \"pre-upgrade\"; did you mean - name: pre-upgrade?"),
                bad("disks entries not indented",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n    xvda: external\n",
                        "spec.yaml:6:11: snapshots[0].disks: must be a mapping of disk name to mode (e.g. xvda:"
                        + " external), not empty; indent its entries under disks:",
                        "spec.yaml:7:5: snapshots[0].xvda: unknown key \"xvda\"; " + SNAPSHOT_KEYS),
                bad("disks as a single word",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks: xvda\n",
                        "spec.yaml:6:12: snapshots[0].disks: must be a mapping of disk name to mode (e.g. xvda:"
                        + " external), not \"xvda\""),
                bad("disks as a list",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n      - xvda\n",
                        "spec.yaml:7:7: snapshots[0].disks: must be a mapping of disk name to mode (e.g. xvda:"
                        + " external), not a list"),

                // --- unknown keys ------------------------------------------------------------------
                bad("typo snapshot: for snapshots:",
                        HEAD + "domain: web01\nsnapshot:\n  - name: a\n",
                        "spec.yaml:4:1: snapshot: unknown key \"snapshot\" (did you mean \"snapshots\"?); "
                        + TOP_KEYS),
                bad("typo inside a snapshot",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memroy: false\n",
                        "spec.yaml:6:5: snapshots[0].memroy: unknown key \"memroy\" (did you mean \"memory\"?); "
                        + SNAPSHOT_KEYS),
                bad("capitalised key",
                        HEAD + "domain: web01\nsnapshots:\n  - Name: a\n",
                        "spec.yaml:5:5: snapshots[0].Name: unknown key \"Name\" (did you mean \"name\"?); "
                        + SNAPSHOT_KEYS),
                bad("snake_case key",
                        HEAD + "domain: web01\nxl_config: /etc/xen/web01.cfg\nsnapshots: []\n",
                        "spec.yaml:4:1: xl_config: unknown key \"xl_config\" (did you mean \"xlConfig\"?); "
                        + TOP_KEYS),
                bad("disks at the top level instead of in a snapshot",
                        HEAD + "domain: web01\ndisks:\n  xvda: external\nsnapshots: []\n",
                        "spec.yaml:4:1: disks: unknown key \"disks\"; " + TOP_KEYS),
                bad("YAML that is no xsnap spec",
                        "hosts: all\nvars:\n  x: 1\n",
                        "spec.yaml:1:1: (document): not an xsnap spec: it has none of the keys apiVersion, kind,"
                        + " domain, xlConfig, snapshots, retention, revert, from, state, start (found hosts, vars)"),

                // --- values ------------------------------------------------------------------------
                bad("unknown disk mode",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n      xvda: snapshot\n",
                        "spec.yaml:7:13: snapshots[0].disks.xvda: must be one of internal, external, exclude,"
                        + " auto, not \"snapshot\""),
                bad("disk mode capitalised",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n      xvda: External\n",
                        "spec.yaml:7:13: snapshots[0].disks.xvda: must be one of internal, external, exclude,"
                        + " auto, not \"External\" (write it in lowercase)"),
                bad("disk named in capitals",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n      XVDA: external\n",
                        "spec.yaml:7:7: snapshots[0].disks.XVDA: \"XVDA\" is not a valid disk name: " + VDEV_RULE
                        + "; write it in lowercase: xvda"),
                bad("disk named by its path",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    disks:\n      /dev/xvda: external\n",
                        "spec.yaml:7:7: snapshots[0].disks[\"/dev/xvda\"]: \"/dev/xvda\" is not a valid disk"
                        + " name: " + VDEV_RULE),
                bad("unknown state",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    state: deleted\n",
                        "spec.yaml:6:12: snapshots[0].state: must be one of present, absent, not \"deleted\""),
                bad("state capitalised",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    state: Absent\n",
                        "spec.yaml:6:12: snapshots[0].state: must be one of present, absent, not \"Absent\""
                        + " (write it in lowercase)"),
                bad("live without memory",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memory: false\n    live: true\n",
                        "spec.yaml:7:11: snapshots[0].live: live: true needs memory: true (a live snapshot copies"
                        + " memory while the domain runs); remove live: true or set memory: true"),
                bad("relative xlConfig",
                        HEAD + "domain: web01\nxlConfig: xen/web01.cfg\nsnapshots: []\n",
                        "spec.yaml:4:11: xlConfig: must be an absolute path, starting with '/', not"
                        + " \"xen/web01.cfg\""),
                bad("description too long",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    description: " + "x".repeat(1025) + "\n",
                        "spec.yaml:6:18: snapshots[0].description: must be at most 1024 characters long, not 1025"),

                // --- names -------------------------------------------------------------------------
                bad("snapshot name with '/'",
                        HEAD + "domain: web01\nsnapshots:\n  - name: nightly/1\n",
                        "spec.yaml:5:11: snapshots[0].name: \"nightly/1\" is not a valid snapshot name: it"
                        + " contains '/'; " + NAME_RULE),
                bad("snapshot name with '..'",
                        HEAD + "domain: web01\nsnapshots:\n  - name: v1..v2\n",
                        "spec.yaml:5:11: snapshots[0].name: \"v1..v2\" is not a valid snapshot name: it contains"
                        + " '..'; " + NAME_RULE),
                bad("snapshot name with a leading '-'",
                        HEAD + "domain: web01\nsnapshots:\n  - name: -rf\n",
                        "spec.yaml:5:11: snapshots[0].name: \"-rf\" is not a valid snapshot name: it starts with"
                        + " '-'; " + NAME_RULE),
                bad("snapshot name with a space",
                        HEAD + "domain: web01\nsnapshots:\n  - name: pre upgrade\n",
                        "spec.yaml:5:11: snapshots[0].name: \"pre upgrade\" is not a valid snapshot name: it"
                        + " contains a space; " + NAME_RULE),
                bad("snapshot name with another character",
                        HEAD + "domain: web01\nsnapshots:\n  - name: snap@1\n",
                        "spec.yaml:5:11: snapshots[0].name: \"snap@1\" is not a valid snapshot name: it contains"
                        + " '@'; " + NAME_RULE),
                bad("snapshot name too long",
                        HEAD + "domain: web01\nsnapshots:\n  - name: " + "a".repeat(65) + "\n",
                        "spec.yaml:5:11: snapshots[0].name: \"" + "a".repeat(65) + "\" is not a valid snapshot"
                        + " name: it is 65 characters long; " + NAME_RULE),
                bad("domain name with '/'",
                        HEAD + "domain: ../web01\nsnapshots: []\n",
                        "spec.yaml:3:9: domain: \"../web01\" is not a valid domain name: it contains '/'; "
                        + NAME_RULE),
                bad("domain name with a space",
                        HEAD + "domain: \"web 01\"\nsnapshots: []\n",
                        "spec.yaml:3:9: domain: \"web 01\" is not a valid domain name: it contains a space; "
                        + NAME_RULE),
                bad("domain name empty",
                        HEAD + "domain: \"\"\nsnapshots: []\n",
                        "spec.yaml:3:9: domain: \"\" is not a valid domain name: it is empty; " + NAME_RULE),
                bad("domain name with a NUL",
                        HEAD + "domain: \"web\\0\"\nsnapshots: []\n",
                        "spec.yaml:3:9: domain: \"web\\0\" is not a valid domain name: it contains whitespace or a"
                        + " control character; " + NAME_RULE),

                // --- missing -----------------------------------------------------------------------
                bad("missing domain",
                        HEAD + "snapshots: []\n",
                        "spec.yaml:1:1: domain: is required: name the domain these snapshots belong to (e.g."
                        + " domain: web01)"),
                bad("missing snapshot name",
                        HEAD + "domain: web01\nsnapshots:\n  - memory: false\n",
                        "spec.yaml:5:5: snapshots[0].name: is required: every snapshot needs a name (e.g. - name:"
                        + " pre-upgrade)"),
                bad("missing snapshots",
                        HEAD + "domain: web01\n",
                        "spec.yaml:1:1: snapshots: is required: list the domain's snapshots (snapshots: [] for"
                        + " none)"),
                bad("missing header",
                        "domain: web01\nsnapshots: []\n",
                        "spec.yaml:1:1: apiVersion: is required: every spec starts with apiVersion: xsnap/v1",
                        "spec.yaml:1:1: kind: is required: write kind: DomainSnapshots or DomainClone"),

                // --- version and kind ----------------------------------------------------------------
                bad("unknown apiVersion (other keys not checked)",
                        "apiVersion: xsnap/v2\nkind: DomainSnapshots\ndomain: web01\nretention: 7d\n",
                        "spec.yaml:1:13: apiVersion: unsupported apiVersion \"xsnap/v2\": this xsnap reads"
                        + " apiVersion: xsnap/v1"),
                bad("unknown kind",
                        "apiVersion: xsnap/v1\nkind: Snapshot\ndomain: web01\nsnapshots: []\n",
                        "spec.yaml:2:7: kind: unsupported kind \"Snapshot\": this xsnap reads kind: DomainSnapshots or DomainClone"),
                bad("another tool's manifest",
                        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web01\n",
                        "spec.yaml:1:13: apiVersion: unsupported apiVersion \"v1\": this xsnap reads apiVersion:"
                        + " xsnap/v1",
                        "spec.yaml:2:7: kind: unsupported kind \"Pod\": this xsnap reads kind: DomainSnapshots or DomainClone"),

                // --- several problems and documents --------------------------------------------------
                bad("duplicate snapshot names",
                        HEAD + "domain: web01\nsnapshots:\n  - name: nightly\n  - name: weekly\n  - name: nightly\n",
                        "spec.yaml:7:11: snapshots[2].name: duplicate snapshot name \"nightly\": already declared"
                        + " at spec.yaml:5:11 (snapshots[0].name); snapshot names must be unique within a domain"),
                bad("same domain twice in one file",
                        HEAD + "domain: web01\nsnapshots: []\n---\n" + HEAD + "domain: web01\nsnapshots: []\n",
                        "spec.yaml:8:9: domain: domain \"web01\" is already declared at spec.yaml:3:9; declare each"
                        + " domain in one document only"),
                bad("every problem of a snapshot at once, in file order",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a b\n    memory: yes\n    disks:\n"
                        + "      xvda: copy\n",
                        "spec.yaml:5:11: snapshots[0].name: \"a b\" is not a valid snapshot name: it contains a"
                        + " space; " + NAME_RULE,
                        "spec.yaml:6:13: snapshots[0].memory: must be true or false; in YAML 1.2 \"yes\" is a"
                        + " string, not a boolean",
                        "spec.yaml:8:13: snapshots[0].disks.xvda: must be one of internal, external, exclude,"
                        + " auto, not \"copy\""),
                bad("multi-document file with bad documents between good ones",
                        HEAD + "domain: web01\nsnapshots: []\n---\n"
                        + HEAD + "domain: db01\nsnapshots:\n  - name: a\n    memory: no\n---\n"
                        + HEAD + "domain: mail01\nsnapshots: []\n---\n"
                        + HEAD + "domain: dns01\nsnapshot: []\n",
                        "spec.yaml:11:13: snapshots[0].memory: must be true or false; in YAML 1.2 \"no\" is a"
                        + " string, not a boolean",
                        "spec.yaml:21:1: snapshot: unknown key \"snapshot\" (did you mean \"snapshots\"?); "
                        + TOP_KEYS),
                bad("good documents before a syntax error are still checked",
                        HEAD + "domain: web01\nsnapshots:\n  - name: a\n    live: maybe\n---\n"
                        + HEAD + "domain: db01\nsnapshots: [{name: a}\n",
                        "spec.yaml:6:11: snapshots[0].live: must be true or false, not \"maybe\"",
                        "spec.yaml:12:1: (yaml): YAML syntax error: a '[' list is not closed with ']', or its"
                        + " items are not separated by ',' (opened at line 11, column 12)"),

                // --- empty -------------------------------------------------------------------------
                bad("empty file",
                        "",
                        "spec.yaml:1:1: (file): holds no spec: expected at least one document with apiVersion:"
                        + " xsnap/v1 and kind: DomainSnapshots or DomainClone"),
                bad("file of comments and empty documents",
                        "# web01 moved to db.yaml\n---\n---\n",
                        "spec.yaml:1:1: (file): holds no spec: expected at least one document with apiVersion:"
                        + " xsnap/v1 and kind: DomainSnapshots or DomainClone"),

                // --- retention and one-shot revert ---------------------------------------------------
                bad("retention every without a unit",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: daily\n    every: 24\n    keep: 7\n",
                        "spec.yaml:7:12: retention[0].every: must be a string, not the number 24; put it in quotes"),
                bad("retention every in seconds",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: daily\n    every: 86400s\n    keep: 7\n",
                        "spec.yaml:7:12: retention[0].every: \"86400s\" is not a duration: write a whole number and m, h,"
                        + " d or w (e.g. 24h, 7d)"),
                bad("retention keep zero",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: daily\n    every: 24h\n    keep: 0\n",
                        "spec.yaml:8:11: retention[0].keep: must be at least 1, not the number 0"),
                bad("retention without keep",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: daily\n    every: 24h\n",
                        "spec.yaml:6:5: retention[0].keep: is required"),
                bad("retention prefix with a slash",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: a/b\n    every: 24h\n    keep: 1\n",
                        "spec.yaml:6:13: retention[0].prefix: \"a/b\" is not a valid prefix: it contains '/'; use 1 to 47"
                        + " letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'"),
                bad("two retention rules with one prefix",
                        HEAD + "domain: web01\nsnapshots: []\nretention:\n  - prefix: daily\n    every: 24h\n    keep: 1\n"
                        + "  - prefix: daily\n    every: 1w\n    keep: 4\n",
                        "spec.yaml:9:13: retention[1].prefix: duplicate retention prefix \"daily\": already used at"
                        + " spec.yaml:6:13 (retention[0].prefix); each rule needs its own prefix"),
                bad("a declared snapshot inside a retention rule's names",
                        HEAD + "domain: web01\nsnapshots:\n  - name: daily-20260101T000000Z\nretention:\n  - prefix: daily\n"
                        + "    every: 24h\n    keep: 1\n",
                        "spec.yaml:5:11: snapshots[0].name: \"daily-20260101T000000Z\" is a name retention rule \"daily\""
                        + " (spec.yaml:7:13) makes and may delete; rename the snapshot"),
                bad("revert without an id",
                        HEAD + "domain: web01\nsnapshots: []\nrevert:\n  to: pre-upgrade\n",
                        "spec.yaml:6:3: revert.id: is required"),
                bad("revert to a bad state",
                        HEAD + "domain: web01\nsnapshots: []\nrevert:\n  to: pre-upgrade\n  id: T-1\n  state: stopped\n",
                        "spec.yaml:8:10: revert.state: must be one of running, paused, not \"stopped\""),
                // --- kind: DomainClone ---------------------------------------------------------------
                bad("clone without from",
                        CLONE + "domain: app1\n",
                        "spec.yaml:1:1: from: is required: name the snapshot to clone (e.g. from: {domain: web01,"
                        + " snapshot: gold})"),
                bad("clone from without the snapshot",
                        CLONE + "domain: app1\nfrom:\n  domain: web01\n",
                        "spec.yaml:5:3: from.snapshot: is required: name the snapshot to clone (e.g. snapshot: gold)"),
                bad("clone with the snapshots of a DomainSnapshots spec",
                        CLONE + "domain: app1\nfrom: {domain: web01, snapshot: gold}\nsnapshots: []\n",
                        "spec.yaml:5:1: snapshots: unknown key \"snapshots\"; " + CLONE_KEYS),
                bad("clone from with a typo",
                        CLONE + "domain: app1\nfrom:\n  domain: web01\n  snapshto: gold\n",
                        "spec.yaml:6:3: from.snapshto: unknown key \"snapshto\" (did you mean \"snapshot\"?); allowed"
                        + " here: domain, snapshot"),
                bad("clone started as stopped",
                        CLONE + "domain: app1\nfrom: {domain: web01, snapshot: gold}\nstart: stopped\n",
                        "spec.yaml:5:8: start: must be one of none, running, paused, not \"stopped\""),
                bad("clone named as its source",
                        CLONE + "domain: web01\nfrom: {domain: web01, snapshot: gold}\n",
                        "spec.yaml:4:16: from.domain: a clone needs a name of its own: \"web01\" is the domain it is"
                        + " cloned from"),
                bad("two clones of one name",
                        CLONE + "domain: app1\nfrom: {domain: web01, snapshot: gold}\n---\n" + CLONE
                        + "domain: app1\nfrom: {domain: web01, snapshot: silver}\n",
                        "spec.yaml:8:9: domain: clone \"app1\" is already declared at spec.yaml:3:9; declare each clone"
                        + " in one document only"));
    }

    @TestFactory
    Stream<DynamicTest> eachBadSpecGetsExactlyItsMessages() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.title(), () -> {
            Path dir = Files.createDirectories(tmp.resolve(String.valueOf(Math.abs(c.title().hashCode()))));
            Files.writeString(dir.resolve("spec.yaml"), c.yaml());
            assertEquals(c.expected(), problems(dir, dir.resolve("spec.yaml")));
        }));
    }

    @org.junit.jupiter.api.Test
    void fileThatIsNotUtf8() throws IOException {
        Path file = tmp.resolve("spec.yaml");
        Files.write(file, (HEAD + "domain: caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(List.of("spec.yaml:1:1: (file): is not UTF-8 text; save the spec as UTF-8"), problems(tmp, file));
    }

    @org.junit.jupiter.api.Test
    void sameDomainInTwoFilesNamesBothPlaces() throws IOException {
        Files.writeString(tmp.resolve("a.yaml"), HEAD + "domain: web01\nsnapshots: []\n");
        Files.writeString(tmp.resolve("b.yaml"), "# the same domain again\n" + HEAD + "domain: web01\nsnapshots: []\n");
        assertEquals(List.of("b.yaml:4:9: domain: domain \"web01\" is already declared at a.yaml:3:9; declare each"
                + " domain in one document only"), problems(tmp, tmp));
    }

    @org.junit.jupiter.api.Test
    void problemsOfEveryFileAreReportedTogetherInFileOrder() throws IOException {
        Files.writeString(tmp.resolve("b.yaml"), HEAD + "domain: db01\nsnapshots:\n  - name: x/y\n");
        Files.writeString(tmp.resolve("a.yaml"), HEAD + "domain: web01\nsnapshots:\n  - name: a\n    memory: on\n");
        assertEquals(List.of(
                "a.yaml:6:13: snapshots[0].memory: must be true or false; in YAML 1.2 \"on\" is a string, not a boolean",
                "b.yaml:5:11: snapshots[0].name: \"x/y\" is not a valid snapshot name: it contains '/'; " + NAME_RULE),
                problems(tmp, tmp));
    }

    @org.junit.jupiter.api.Test
    void missingFileIsNotASpecProblem() {
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> loader.load(List.of(tmp.resolve("nope.yaml"))));
        assertEquals(tmp.resolve("nope.yaml").toString(), e.getFile());
    }

    @org.junit.jupiter.api.Test
    void directoryWithoutSpecFilesIsMissingInput() throws IOException {
        Files.writeString(tmp.resolve("README.md"), "specs go here\n");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> loader.load(List.of(tmp)));
    }

    /** The problems of loading {@code paths}, with {@code base} taken off the file names. */
    private List<String> problems(Path base, Path... paths) {
        SpecException e = assertThrows(SpecException.class, () -> loader.load(List.of(paths)));
        String prefix = base.toString() + "/";
        return e.problems().stream().map(p -> p.toString().replace(prefix, "")).toList();
    }
}
