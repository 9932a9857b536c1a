package io.xsnap.host.xl;

import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A domain as {@code xl list -l} and {@code xl list} show it, before QMP told which files its qdisk disks
 * write now.
 *
 * @param config     its {@code config} object (libxl_domain_config as JSON; fields at their default left out)
 * @param configJson that object as text, kept in manifests so a snapshot records the domain it was taken of
 * @param stubdom    its device model runs in a stub domain: no QMP socket in dom0
 * @param disks      its disks in config order, CD-ROMs and empty drives left out
 */
public record XlDomain(long domid, String name, RunState state, JsonNode config, String configJson, boolean stubdom,
                       List<Disk> disks) {
    public XlDomain {
        disks = List.copyOf(disks);
    }

    /**
     * One disk of the config.
     *
     * @param target  pdev_path: the file or device given in the config (after an external snapshot QEMU writes
     *                another file; QMP says which)
     * @param format  qcow2, raw, ... (xl's default raw when the field is left out)
     * @param backend phy (kernel blkback), qdisk (Xen's QEMU), tap or standalone; when left out, libxl's own
     *                choice: phy for raw, qdisk otherwise
     */
    public record Disk(String vdev, Path target, String format, String backend, boolean readOnly) {
        /** Xen's QEMU in dom0 serves it, so QMP can cut it. */
        public boolean qdisk() {
            return "qdisk".equals(backend);
        }

        /** The node name QEMU (hw/block/xen-block.c) gives the format layer of a qdisk disk. */
        public String nodeName() {
            return vdev + "-" + format;
        }
    }
}
