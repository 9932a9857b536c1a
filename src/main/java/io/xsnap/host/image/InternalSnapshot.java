package io.xsnap.host.image;

/**
 * One entry of a qcow2 snapshot table.
 *
 * @param vmStateSize bytes of VM state stored with it (0 for disk-only)
 * @param diskSize    virtual disk size at snapshot time, or -1 when the entry does not say
 * @param icount      instruction count, or -1 when disabled or absent
 */
public record InternalSnapshot(String id, String name, long dateSec, long dateNsec, long vmClockNsec,
                               long vmStateSize, long diskSize, long icount) {
}
