package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.xsnap.host.qmp.QmpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A lab guest, found by name: its pid is read from the qemu dir's pid file each time, so the same object
 * keeps working after the driver destroyed and restarted the guest.
 *
 * <p>Guest data is written and read the way the guest's disk sees it, through the running QEMU:
 * <ul>
 *   <li>{@link #write}: HMP {@code qemu-io <vdev> "write -P 0xNN OFF LEN"} through the guest's own drive.
 *       QEMU 7.2 prints qemu-io's report on its stdout, which {@code -daemonize} sends to /dev/null: only
 *       errors such as an unknown device come back; check with {@link #reads} when a write matters.</li>
 *   <li>{@link #reads}: for the same reason reads go through a read-only NBD export of the drive's
 *       active node (QMP {@code nbd-server-start} + {@code block-export-add}) read by
 *       {@code qemu-io -r -c "read -P 0xNN OFF LEN"}, whose "Pattern verification failed" is parsed.</li>
 * </ul>
 * Both refuse a guest whose disks QEMU has deactivated (after a memory save: postmigrate), where QEMU
 * 7.2 aborts on qemu-io writes.
 */
public final class TestGuest implements AutoCloseable {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> DISKS_INACTIVE = Set.of("postmigrate", "inmigrate");

    private final GuestLab lab;
    private final String name;

    TestGuest(GuestLab lab, String name) {
        this.lab = lab;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The pid in the guest's pid file now. */
    public long pid() {
        return lab.pidOf(name).orElseThrow(() -> new AssertionError("guest " + name + " has no pid file"));
    }

    public Path qmpSocket() {
        return lab.qemuDir().resolve(name + ".qmp");
    }

    /** A QMP connection to the guest; close it soon, QEMU serves one client at a time. */
    public QmpClient qmp() {
        return QmpClient.connect(qmpSocket(), QMP_TIMEOUT);
    }

    /** QEMU's run state word from {@code query-status} (running, paused, postmigrate, prelaunch...). */
    public String status() {
        try (QmpClient qmp = qmp()) {
            return qmp.execute("query-status").path("status").asString();
        }
    }

    /** Writes {@code pattern} over {@code [offset, offset+length)} of the disk {@code vdev}, as the guest would. */
    public void write(String vdev, int pattern, long offset, long length) {
        try (QmpClient qmp = qmp()) {
            requireActiveDisks(qmp);
            String line = String.format("qemu-io %s \"write -P 0x%02x %d %d\"", vdev, pattern, offset, length);
            String out = qmp.execute("human-monitor-command", QmpClient.args().put("command-line", line)).asString();
            if (!out.isBlank()) {
                fail("guest " + name + ": " + line + ": " + out.strip());
            }
        }
    }

    /** Whether the disk {@code vdev} reads {@code pattern} over the whole range, as the guest sees it now. */
    public boolean reads(String vdev, int pattern, long offset, long length) {
        Path socket = lab.root().resolve(name + "-nbd.sock");
        String exportId = "testguest-" + vdev;
        try (QmpClient qmp = qmp()) {
            requireActiveDisks(qmp);
            qmp.execute("nbd-server-start", QmpClient.args().set("addr", QmpClient.args().put("type", "unix")
                    .set("data", QmpClient.args().put("path", socket.toString()))));
            try {
                qmp.execute("block-export-add", QmpClient.args().put("type", "nbd").put("id", exportId)
                        .put("node-name", activeNode(qmp, vdev)).put("name", vdev).put("writable", false));
                try {
                    return lab.qemuIo("nbd+unix:///" + vdev + "?socket=" + socket, "raw", true,
                            String.format("read -P 0x%02x %d %d", pattern, offset, length));
                } finally {
                    qmp.execute("block-export-del", QmpClient.args().put("id", exportId));
                }
            } finally {
                qmp.execute("nbd-server-stop");
            }
        }
    }

    /** Fails the test unless {@link #reads} holds. */
    public void assertReads(String vdev, int pattern, long offset, long length) {
        if (!reads(vdev, pattern, offset, length)) {
            fail("guest " + name + " disk " + vdev + " does not read 0x" + Integer.toHexString(pattern) + " at "
                    + offset + "+" + length);
        }
    }

    private void requireActiveDisks(QmpClient qmp) {
        String status = qmp.execute("query-status").path("status").asString();
        if (DISKS_INACTIVE.contains(status)) {
            fail("guest " + name + " is " + status + ": QEMU has deactivated its disks; resume it first");
        }
    }

    private static String activeNode(QmpClient qmp, String vdev) {
        for (JsonNode device : qmp.execute("query-block")) {
            if (vdev.equals(device.path("device").asString(""))) {
                return device.path("inserted").path("node-name").asString();
            }
        }
        throw new AssertionError("no disk " + vdev);
    }

    /**
     * Stops the guest cleanly: QMP {@code quit} (QEMU flushes its images), then waits until the process is
     * gone. Use it before checking images offline; {@link #close()} kills, and writes QEMU still held in
     * its caches (qcow2 metadata) may then be lost.
     */
    public void quit() {
        long pid = pid();
        try (QmpClient qmp = qmp()) {
            qmp.execute("quit");
        }
        GuestLab.awaitGone(pid);
    }

    /** Kills the guest (SIGKILL, by pid) and waits until it is gone. */
    @Override
    public void close() {
        lab.pidOf(name).ifPresent(pid -> {
            if (GuestLab.isQemu(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                GuestLab.awaitGone(pid);
            }
        });
    }

    @Override
    public String toString() {
        return "guest " + name + (Files.exists(lab.qemuDir().resolve(name + ".pid")) ? "" : " (no pid file)");
    }
}
