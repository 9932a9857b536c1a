package io.xsnap.host.qemu;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.Progress;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.host.qmp.QmpException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The block layer as QMP shows it: disks, backing chains, node names, and block jobs run to the end. The xl
 * driver uses the node and job helpers too (Xen's QEMU is the same QEMU).
 */
public final class QmpBlock {
    private QmpBlock() {
    }

    /**
     * The disks in a {@code query-block} answer, sorted by vdev. Empty drives and removable media
     * (CD-ROMs) are left out. A disk attached with {@code -blockdev}/{@code -device} has no device name:
     * it is listed under its node name with {@code node} null, because the driver addresses disks by
     * device name.
     */
    static List<DiskInfo> disks(JsonNode queryBlock) {
        List<DiskInfo> disks = new ArrayList<>();
        for (JsonNode device : queryBlock) {
            JsonNode inserted = device.get("inserted");
            if (inserted == null || device.path("removable").asBoolean(false)) {
                continue;
            }
            String name = device.path("device").asString("");
            String vdev = name.isEmpty() ? inserted.path("node-name").asString("") : name;
            disks.add(new DiskInfo(vdev, Path.of(inserted.path("file").asString("")),
                    inserted.path("drv").asString(""), name.isEmpty() ? null : name,
                    inserted.path("ro").asBoolean(false)));
        }
        disks.sort(Comparator.comparing(DiskInfo::vdev));
        return disks;
    }

    /** The files of a device's backing chain as QEMU holds it open: the active layer first. */
    static List<Path> chain(QmpClient qmp, String device) {
        for (JsonNode entry : qmp.execute("query-block")) {
            if (device.equals(entry.path("device").asString(""))) {
                List<Path> files = new ArrayList<>();
                for (JsonNode image = entry.path("inserted").path("image"); image.has("filename");
                     image = image.path("backing-image")) {
                    files.add(Path.of(image.path("filename").asString()));
                }
                return files;
            }
        }
        throw new HostException(qmp.socket() + ": no block device " + device);
    }

    /** The node name of the format node (not the protocol node) that opened {@code file}. */
    public static String nodeName(QmpClient qmp, Path file) {
        for (JsonNode node : qmp.execute("query-named-block-nodes", QmpClient.args().put("flat", true))) {
            String drv = node.path("drv").asString("");
            if (!drv.equals("file") && !drv.equals("host_device")
                    && sameFile(Path.of(node.path("file").asString("")), file)) {
                return node.path("node-name").asString();
            }
        }
        throw new HostException(qmp.socket() + ": no block node has " + file + " open");
    }

    public static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    public static int indexOf(List<Path> chain, Path file) {
        for (int i = 0; i < chain.size(); i++) {
            if (sameFile(chain.get(i), file)) {
                return i;
            }
        }
        return -1;
    }

    /** Refuses cuts the driver cannot make, before anything is touched. */
    static void checkCuts(DomainInfo domain, List<DiskCut> cuts) {
        for (DiskCut cut : cuts) {
            String where = "domain " + domain.name() + " disk " + cut.disk().vdev();
            if (cut.disk().node() == null) {
                throw new HostException(where + ": has no QEMU device name (attached with -blockdev?), so it "
                        + "cannot be snapshotted over QMP");
            }
            if (cut.internal() && (cut.tag() == null || cut.tag().isBlank())) {
                throw new HostException(where + ": an internal snapshot needs a name");
            }
            if (!cut.internal() && (cut.overlay() == null || !Files.isRegularFile(cut.overlay()))) {
                throw new HostException(where + ": the overlay " + cut.overlay() + " does not exist; create it "
                        + "first (qemu-img create -f qcow2 -b CURRENT -F FORMAT OVERLAY)");
            }
        }
    }

    /**
     * Cuts every disk in one QMP {@code transaction} (all or none): {@code blockdev-snapshot-internal-sync}
     * for internal cuts, {@code blockdev-snapshot-sync} in mode {@code existing} onto the pre-created overlay
     * for external ones. Afterwards each external disk must write its overlay.
     */
    static void snapshot(QmpClient qmp, DomainInfo domain, List<DiskCut> cuts) {
        ArrayNode actions = JsonNodeFactory.instance.arrayNode();
        for (DiskCut cut : cuts) {
            ObjectNode action = actions.addObject();
            if (cut.internal()) {
                action.put("type", "blockdev-snapshot-internal-sync");
                action.putObject("data").put("device", cut.disk().node()).put("name", cut.tag());
            } else {
                action.put("type", "blockdev-snapshot-sync");
                action.putObject("data").put("device", cut.disk().node())
                        .put("snapshot-file", cut.overlay().toAbsolutePath().toString())
                        .put("format", "qcow2").put("mode", "existing");
            }
        }
        try {
            qmp.execute("transaction", QmpClient.args().set("actions", actions));
        } catch (QmpException e) {
            throw new HostException("domain " + domain.name() + ": the disk snapshot transaction failed, no disk "
                    + "was changed: " + e.desc(), e);
        }
        for (DiskCut cut : cuts) {
            if (!cut.internal()) {
                List<Path> chain = chain(qmp, cut.disk().node());
                if (chain.isEmpty() || !sameFile(chain.get(0), cut.overlay())) {
                    throw new HostException("domain " + domain.name() + " disk " + cut.disk().vdev()
                            + ": after the snapshot QEMU writes " + chain + ", not the overlay " + cut.overlay());
                }
            }
        }
    }

    /**
     * Where {@code above} sits in {@code chain} (top first), checking that {@code removed} lies directly below it
     * and {@code newBase} (or the end of the chain) directly below that: the shape a block-stream of
     * {@code removed} into {@code above} needs.
     */
    public static int streamShape(String where, List<Path> chain, Path above, Path removed, Path newBase) {
        int a = indexOf(chain, above);
        boolean shape = a >= 0 && indexOf(chain, removed) == a + 1
                && (newBase == null ? chain.size() == a + 2 : indexOf(chain, newBase) == a + 2);
        if (!shape) {
            throw new HostException(where + ": expected " + above + " → " + removed + " → "
                    + (newBase == null ? "(end)" : newBase) + " in the chain " + chain);
        }
        return a;
    }

    /**
     * Waits for a block job started with {@code auto-dismiss: false} to end: completes it when it is ready
     * (active commit: pivot to the base), reads its error, dismisses it. On timeout the job is cancelled.
     *
     * @param what names the job in messages ("domain web01 disk vda: commit of X into Y")
     */
    public static void awaitJob(QmpClient qmp, String jobId, String what, Duration timeout) {
        awaitJob(qmp, jobId, what, timeout, Progress.NONE);
    }

    /** {@link #awaitJob(QmpClient, String, String, Duration)}, reporting the job's progress. */
    public static void awaitJob(QmpClient qmp, String jobId, String what, Duration timeout, Progress progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean completing = false;
        while (true) {
            JsonNode job = job(qmp, jobId);
            if (job == null) {
                throw new HostException(what + ": block job " + jobId + " disappeared");
            }
            String status = job.path("status").asString("");
            progress.update(what, job.path("current-progress").asLong(0), job.path("total-progress").asLong(0));
            if (status.equals("ready") && !completing) {
                qmp.execute("block-job-complete", QmpClient.args().put("device", jobId));
                completing = true;
            } else if (status.equals("concluded")) {
                String error = job.path("error").asString(null);
                qmp.execute("job-dismiss", QmpClient.args().put("id", jobId));
                if (error != null) {
                    throw new HostException(what + " failed: " + error);
                }
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                try {
                    qmp.execute("block-job-cancel", QmpClient.args().put("device", jobId).put("force", true));
                } catch (HostException e) {
                    throw new HostException(what + ": not done after " + timeout.toSeconds() + " s, and it could "
                            + "not be cancelled: " + e.getMessage(), e);
                }
                throw new HostException(what + ": not done after " + timeout.toSeconds() + " s; the job was cancelled");
            }
            qmp.awaitEvent("JOB_STATUS_CHANGE", d -> jobId.equals(d.path("id").asString("")),
                    Duration.ofNanos(Math.min(left, Duration.ofMillis(500).toNanos())));
        }
    }

    private static JsonNode job(QmpClient qmp, String jobId) {
        for (JsonNode job : qmp.execute("query-jobs")) {
            if (jobId.equals(job.path("id").asString(""))) {
                return job;
            }
        }
        return null;
    }
}
