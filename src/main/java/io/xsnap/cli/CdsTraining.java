package io.xsnap.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * A representative run of xsnap for the class-data-sharing archive {@code ./xsnap} makes on first use
 * ({@code java -XX:ArchiveClassesAtExit=target/xsnap.jsa -cp xsnap.jar io.xsnap.cli.CdsTraining}): the JVM
 * archives every class this run loads, so later runs map them instead of loading, parsing and verifying
 * them again. It validates and plans a small spec against a small observed state (text and JSON) and reads
 * a small qcow2 chain, all in a temporary directory it removes; output is discarded. Changes nothing else.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("xsnap-cds-training");
        try {
            train(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Runs the training commands with their inputs in {@code dir}; returns their exit codes (all 0 normally). */
    static List<Integer> train(Path dir) throws IOException {
        List<Integer> codes = new ArrayList<>();
        Path spec = Files.writeString(dir.resolve("web01.yaml"), SPEC);
        Path state = Files.writeString(dir.resolve("state.json"), STATE.replace("@DIR@", dir.toString()));
        Path base = Files.write(dir.resolve("base.qcow2"), qcow2(null, "pre-upgrade"));
        Path top = Files.write(dir.resolve("web01.qcow2"), qcow2("base.qcow2", null));
        String store = dir.resolve("store").toString();
        for (List<String> run : List.of(
                List.of("validate", spec.toString()),
                List.of("plan", "--store", store, "--state", state.toString(), spec.toString()),
                List.of("plan", "--json", "--store", store, "--state", state.toString(), spec.toString()),
                List.of("images", top.toString(), base.toString()),
                List.of("images", "--json", top.toString(), base.toString()))) {
            String[] argv = run.toArray(String[]::new);
            CommandLine cl = XsnapCommand.commandLine(argv);
            PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            cl.setOut(discard);
            cl.setErr(discard);
            codes.add(cl.execute(argv));
        }
        return codes;
    }

    private static final String SPEC = """
            apiVersion: xsnap/v1
            kind: DomainSnapshots
            domain: web01
            snapshots:
              - name: pre-upgrade
                description: before the kernel upgrade
              - name: daily
                memory: false
                live: false
                disks:
                  xvda: external
              - name: old
                state: absent
            """;

    private static final String STATE = """
            {"driver": "qemu",
             "domains": [{"name": "web01", "driver": "qemu", "id": 1, "state": "running",
               "disks": [{"vdev": "xvda", "path": "@DIR@/web01.qcow2", "format": "qcow2", "node": "xvda",
                          "read_only": false}]}],
             "images": [
               {"path": "@DIR@/web01.qcow2", "format": "qcow2", "virtual_size": 1048576, "version": 3,
                "cluster_size": 512, "backing_file": "base.qcow2", "backing_path": "@DIR@/base.qcow2",
                "dirty": false, "corrupt": false, "file_size": 1024, "snapshots": []},
               {"path": "@DIR@/base.qcow2", "format": "qcow2", "virtual_size": 1048576, "version": 3,
                "cluster_size": 512, "dirty": false, "corrupt": false, "file_size": 1024,
                "snapshots": [{"id": "1", "name": "pre-upgrade", "date_sec": 1, "date_nsec": 0, "vm_clock_nsec": 0,
                               "vm_state_size": 0, "disk_size": 1048576, "icount": -1}]}],
             "snapshots": [{"memory_size": 0, "manifest": {"format_version": 1, "name": "old", "domain": "web01",
               "driver": "qemu", "created": "2026-01-01T00:00:00Z", "state": "running",
               "disks": [{"vdev": "xvda", "mode": "external", "format": "qcow2", "frozen": "@DIR@/base.qcow2",
                          "overlay": "@DIR@/web01.qcow2"}],
               "restart": {"argv": ["qemu-system-x86_64", "-name", "web01"]}}}],
             "incomplete": [], "problems": []}
            """;

    /**
     * A minimal qcow2 version 3 image of 1 MiB with 512-byte clusters: the header, an optional backing file
     * name, an optional one-entry snapshot table in the second cluster, an empty refcount table in the third
     * and an empty active L1 table (32 entries, what 1 MiB needs) in the fourth. No data.
     */
    static byte[] qcow2(String backing, String snapshot) {
        ByteBuffer b = ByteBuffer.allocate(2048);
        b.putInt(0, 0x514649fb).putInt(4, 3);
        b.putInt(20, 9).putLong(24, 1 << 20);
        b.putInt(36, 32).putLong(40, 1536).putLong(48, 1024).putInt(56, 1);
        b.putInt(96, 4).putInt(100, 112);
        if (backing != null) {
            byte[] name = backing.getBytes(StandardCharsets.UTF_8);
            b.putLong(8, 200).putInt(16, name.length).put(200, name);
        }
        if (snapshot != null) {
            byte[] id = "1".getBytes(StandardCharsets.US_ASCII);
            byte[] name = snapshot.getBytes(StandardCharsets.UTF_8);
            b.putInt(60, 1).putLong(64, 512);
            b.putShort(512 + 12, (short) id.length).putShort(512 + 14, (short) name.length);
            b.putInt(512 + 16, 1);
            b.put(512 + 40, id).put(512 + 40 + id.length, name);
        }
        return b.array();
    }
}
