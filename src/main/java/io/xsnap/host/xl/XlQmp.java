package io.xsnap.host.xl;

import io.xsnap.host.DiskCut;
import io.xsnap.host.HostException;
import io.xsnap.host.qemu.QmpBlock;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.host.qmp.QmpException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The block layer of Xen's QEMU (the device model serving qdisk disks), over its QMP socket. A qdisk disk has
 * no BlockBackend name, so its device is found by its qdev (the device id, or xen-block's "vdev" property); failing
 * that, by its nodes: QEMU names the format node {@code <vdev>-<format>} (hw/block/xen-block.c), and the overlays
 * xsnap adds are named {@code <vdev>-xsnap-<n>}. The device's root node is the active layer.
 */
final class XlQmp {
    private static final Duration JOB_TIMEOUT = Duration.ofHours(6);
    /**
     * The snapshot transaction's reply. QEMU finishes a transaction it has started whether or not anyone waits: on
     * real Xen (nested, loaded) a transaction given up on after 10 s had still made its internal snapshot, which the
     * undo then did not know of. So wait long; the guest is paused or the cut is crash-consistent anyway.
     */
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);
    private static final Set<String> FORMATS = Set.of("qcow2", "raw", "qcow", "vhd", "qed", "vpc");

    private XlQmp() {
    }

    /** Where a qdisk disk writes now: its root node, that node's file, and the chain's files, top first. */
    record Active(String node, Path file, String format, List<Path> chain) {
    }

    /**
     * The device of {@code vdev}: the query-block entry whose device (qdev) is that vdev (its id, or Xen's xen-block
     * "vdev" property), else the one whose chain holds a node named {@code <vdev>-<format>} or {@code <vdev>-xsnap-<n>}.
     */
    static Active active(QmpClient qmp, String vdev) {
        JsonNode devices = qmp.execute("query-block");
        for (JsonNode device : devices) {
            if (device.has("inserted") && isDevice(qmp, device.path("qdev").asString(""), vdev)) {
                return active(device.get("inserted"));
            }
        }
        Set<Path> ours = new HashSet<>();
        for (JsonNode node : qmp.execute("query-named-block-nodes", QmpClient.args().put("flat", true))) {
            if (isOurs(vdev, node.path("node-name").asString(""))) {
                ours.add(Path.of(node.path("file").asString("")));
            }
        }
        for (JsonNode device : devices) {
            JsonNode inserted = device.get("inserted");
            if (inserted != null && active(inserted).chain().stream().anyMatch(ours::contains)) {
                return active(inserted);
            }
        }
        throw new HostException(qmp.socket() + ": QEMU serves no block device " + vdev + " (no device of that id or "
                + "vdev, no node named " + vdev + "-<format> or " + vdev + "-xsnap-<n>); is " + vdev
                + " a qdisk disk of this domain?");
    }

    private static Active active(JsonNode inserted) {
        List<Path> chain = new ArrayList<>();
        for (JsonNode image = inserted.path("image"); image.has("filename"); image = image.path("backing-image")) {
            chain.add(Path.of(image.path("filename").asString()));
        }
        return new Active(inserted.path("node-name").asString(), Path.of(inserted.path("file").asString()),
                inserted.path("drv").asString(""), chain);
    }

    /**
     * The qdev path names the vdev as a device id, or the device has a "vdev" property (xen-block) naming it: on Xen
     * 4.17 that property of disk xvda reads "xvda0" (QEMU prints the disk and its partition number, 0 for the whole
     * disk) and the qdev path is "/machine/unattached/device[N]".
     */
    private static boolean isDevice(QmpClient qmp, String qdev, String vdev) {
        if (qdev.isEmpty()) {
            return false;
        }
        if (qdev.endsWith("/" + vdev) || qdev.contains("/" + vdev + "/")) {
            return true;
        }
        try {
            String property = qmp.execute("qom-get", QmpClient.args().put("path", qdev).put("property", "vdev"))
                    .asString("");
            boolean wholeDisk = !vdev.isEmpty() && Character.isLetter(vdev.charAt(vdev.length() - 1));
            return property.equals(vdev) || (wholeDisk && property.equals(vdev + "0"));
        } catch (QmpException e) {
            return false;
        }
    }

    static boolean isOurs(String vdev, String nodeName) {
        if (!nodeName.startsWith(vdev + "-")) {
            return false;
        }
        String rest = nodeName.substring(vdev.length() + 1);
        return FORMATS.contains(rest) || rest.matches("xsnap-\\d+");
    }

    /**
     * One {@code transaction} for every cut: {@code blockdev-snapshot-internal-sync} on the root node, or
     * {@code blockdev-snapshot-sync} (mode existing) from the root node onto the pre-created overlay, named
     * {@code <vdev>-xsnap-<n>}. All or none; afterwards each external disk must write its overlay.
     */
    static void snapshot(QmpClient qmp, String domain, List<DiskCut> cuts) {
        Set<String> names = new HashSet<>();
        for (JsonNode node : qmp.execute("query-named-block-nodes", QmpClient.args().put("flat", true))) {
            names.add(node.path("node-name").asString(""));
        }
        ArrayNode actions = JsonNodeFactory.instance.arrayNode();
        for (DiskCut cut : cuts) {
            String vdev = cut.disk().vdev();
            Active now = active(qmp, vdev);
            ObjectNode action = actions.addObject();
            if (cut.internal()) {
                action.put("type", "blockdev-snapshot-internal-sync");
                action.putObject("data").put("device", now.node()).put("name", cut.tag());
            } else {
                String name = freeName(names, vdev);
                action.put("type", "blockdev-snapshot-sync");
                action.putObject("data").put("node-name", now.node())
                        .put("snapshot-file", cut.overlay().toAbsolutePath().toString())
                        .put("snapshot-node-name", name).put("format", "qcow2").put("mode", "existing");
            }
        }
        try {
            qmp.execute("transaction", QmpClient.args().set("actions", actions), TRANSACTION_TIMEOUT);
        } catch (QmpException e) {
            throw new HostException("domain " + domain + ": the disk snapshot transaction failed, no disk was "
                    + "changed: " + e.desc(), e);
        }
        for (DiskCut cut : cuts) {
            if (!cut.internal()) {
                Active now = active(qmp, cut.disk().vdev());
                if (!QmpBlock.sameFile(now.file(), cut.overlay())) {
                    throw new HostException("domain " + domain + " disk " + cut.disk().vdev() + ": after the snapshot "
                            + "QEMU writes " + now.file() + ", not the overlay " + cut.overlay());
                }
            }
        }
    }

    private static String freeName(Set<String> names, String vdev) {
        for (int n = 1; ; n++) {
            String name = vdev + "-xsnap-" + n;
            if (names.add(name)) {
                return name;
            }
        }
    }

    static void deleteInternal(QmpClient qmp, String where, String vdev, String tag) {
        Active now = active(qmp, vdev);
        try {
            qmp.execute("blockdev-snapshot-delete-internal-sync",
                    QmpClient.args().put("device", now.node()).put("name", tag));
        } catch (QmpException e) {
            throw new HostException(where + ": deleting internal snapshot " + tag + " failed: " + e.desc(), e);
        }
    }

    /** {@code block-commit} of {@code top} into {@code base}, the file directly below it (see DomainDriver). */
    static void commit(QmpClient qmp, String where, String vdev, Path top, Path base) {
        Active before = active(qmp, vdev);
        List<Path> chain = before.chain();
        int t = QmpBlock.indexOf(chain, top);
        if (t < 0 || QmpBlock.indexOf(chain, base) != t + 1) {
            throw new HostException(where + ": " + base + " is not directly below " + top + " in the chain " + chain);
        }
        String job = jobId("commit", vdev);
        ObjectNode args = QmpClient.args().put("job-id", job).put("device", before.node())
                .put("base-node", QmpBlock.nodeName(qmp, chain.get(t + 1))).put("auto-dismiss", false);
        if (t > 0) {
            args.put("top-node", QmpBlock.nodeName(qmp, chain.get(t)));
        }
        String what = where + ": commit of " + top + " into " + base;
        runJob(qmp, "block-commit", args, job, what);
        List<Path> after = active(qmp, vdev).chain();
        List<Path> expected = without(chain, t);
        if (!samePaths(after, expected)) {
            throw new HostException(what + ": the chain is now " + after + ", expected " + expected);
        }
    }

    /** {@code block-stream} of {@code removed} into {@code above}, the file directly on top of it. */
    static void stream(QmpClient qmp, String where, String vdev, Path above, Path removed, Path newBase) {
        List<Path> chain = active(qmp, vdev).chain();
        int a = QmpBlock.streamShape(where, chain, above, removed, newBase);
        String job = jobId("stream", vdev);
        ObjectNode args = QmpClient.args().put("job-id", job).put("device", QmpBlock.nodeName(qmp, chain.get(a)))
                .put("auto-dismiss", false);
        if (newBase != null) {
            args.put("base-node", QmpBlock.nodeName(qmp, chain.get(a + 2)));
        }
        String what = where + ": stream of " + removed + " into " + above;
        runJob(qmp, "block-stream", args, job, what);
        List<Path> after = active(qmp, vdev).chain();
        if (!samePaths(after, without(chain, a + 1))) {
            throw new HostException(what + ": the chain is now " + after + ", expected " + without(chain, a + 1));
        }
    }

    private static void runJob(QmpClient qmp, String command, ObjectNode args, String job, String what) {
        try {
            qmp.execute(command, args);
        } catch (QmpException e) {
            throw new HostException(what + " could not start: " + e.desc(), e);
        }
        QmpBlock.awaitJob(qmp, job, what, JOB_TIMEOUT);
    }

    private static boolean samePaths(List<Path> a, List<Path> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!QmpBlock.sameFile(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> without(List<Path> chain, int index) {
        List<Path> copy = new ArrayList<>(chain);
        copy.remove(index);
        return copy;
    }

    private static String jobId(String kind, String vdev) {
        return "xsnap-" + kind + "-" + vdev + "-" + Long.toString(System.nanoTime(), 36);
    }
}
