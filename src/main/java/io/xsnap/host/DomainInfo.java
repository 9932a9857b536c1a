package io.xsnap.host;

import java.util.List;

/**
 * A domain as its driver sees it.
 *
 * @param name   the domain's name
 * @param driver the driver that found it ("qemu" or "xl")
 * @param id     the QEMU pid or the Xen domid
 * @param state  what it is doing
 * @param disks  its disks, in vdev order
 */
public record DomainInfo(String name, String driver, long id, RunState state, List<DiskInfo> disks) {
    public DomainInfo {
        disks = List.copyOf(disks);
    }

    public DiskInfo disk(String vdev) {
        return disks.stream().filter(d -> d.vdev().equals(vdev)).findFirst().orElse(null);
    }
}
