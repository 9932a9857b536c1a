package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.xsnap.host.qmp.QmpClient;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * A domain of a {@link XenLab}, found by name each time (so it keeps working after a revert restored it under a
 * new domid). Disks are written with HMP {@code qemu-io -d <vdev>} through the guest's own device and read through
 * a read-only NBD export of the device's active node, like {@link TestGuest}.
 */
public final class XenGuest {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    private final XenLab lab;
    private final String name;

    XenGuest(XenLab lab, String name) {
        this.lab = lab;
        this.name = name;
    }

    public long domid() {
        return record().path("domid").asLong();
    }

    private JsonNode record() {
        JsonNode d = lab.domainRecord(name);
        if (d == null) {
            fail("domain " + name + " is not running");
        }
        return d;
    }

    /** The domain's config as {@code xl list -l} prints it (c_info, b_info, disks, nics). */
    public JsonNode config() {
        return record().path("config");
    }

    public QmpClient qmp() {
        return QmpClient.connect(Path.of(record().path("qmp").asString()), QMP_TIMEOUT);
    }

    /** QEMU's run state: running, paused, ... */
    public String status() {
        try (QmpClient qmp = qmp()) {
            return qmp.execute("query-status").path("status").asString();
        }
    }

    public void write(String vdev, int pattern, long offset, long length) {
        try (QmpClient qmp = qmp()) {
            String line = String.format("qemu-io -d %s \"write -P 0x%02x %d %d\"", qdev(qmp, vdev), pattern, offset,
                    length);
            String out = qmp.execute("human-monitor-command", QmpClient.args().put("command-line", line)).asString();
            if (!out.isBlank()) {
                fail("domain " + name + ": " + line + ": " + out.strip());
            }
        }
    }

    public void assertReads(String vdev, int pattern, long offset, long length) {
        Path socket = lab.root().resolve(name + "-nbd.sock");
        String exportId = "xenguest-" + vdev;
        boolean ok;
        try (QmpClient qmp = qmp()) {
            qmp.execute("nbd-server-start", QmpClient.args().set("addr", QmpClient.args().put("type", "unix")
                    .set("data", QmpClient.args().put("path", socket.toString()))));
            try {
                qmp.execute("block-export-add", QmpClient.args().put("type", "nbd").put("id", exportId)
                        .put("node-name", activeNode(qmp, vdev)).put("name", vdev).put("writable", false));
                try {
                    ok = lab.images().qemuIo("nbd+unix:///" + vdev + "?socket=" + socket, "raw", true,
                            String.format("read -P 0x%02x %d %d", pattern, offset, length));
                } finally {
                    qmp.execute("block-export-del", QmpClient.args().put("id", exportId));
                }
            } finally {
                qmp.execute("nbd-server-stop");
            }
        }
        if (!ok) {
            fail("domain " + name + " disk " + vdev + " does not read 0x" + Integer.toHexString(pattern) + " at "
                    + offset + "+" + length);
        }
    }

    /** The qdev path of the device's block backend (the device's id is the vdev). */
    private static String qdev(QmpClient qmp, String vdev) {
        for (JsonNode device : qmp.execute("query-block")) {
            String qdev = device.path("qdev").asString("");
            if (qdev.contains("/" + vdev + "/")) {
                return qdev;
            }
        }
        throw new AssertionError("no disk " + vdev);
    }

    /** The root node of the device whose qdev id is the vdev. */
    private static String activeNode(QmpClient qmp, String vdev) {
        for (JsonNode device : qmp.execute("query-block")) {
            if (device.path("qdev").asString("").contains("/" + vdev + "/")) {
                return device.path("inserted").path("node-name").asString();
            }
        }
        throw new AssertionError("no disk " + vdev);
    }
}
