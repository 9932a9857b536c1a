package io.xsnap.host.image;

/**
 * One entry of a qcow2 snapshot table.
 *
 * @param id          the id as qemu-img shows it: up to a NUL byte, at most 127 bytes, bytes that are not
 *                    UTF-8 as U+FFFD ({@link QemuStrings})
 * @param name        the name, shown the same way, at most 255 bytes
 * @param vmClockNsec guest run time, an unsigned 64-bit number
 * @param vmStateSize bytes of VM state stored with it (0 for disk-only); an unsigned 64-bit number that
 *                    qemu-img prints as signed, so negative when the top bit is set
 * @param diskSize    virtual disk size at snapshot time, or -1 when the entry does not say
 * @param icount      instruction count, or -1 when disabled or absent
 */
public record InternalSnapshot(String id, String name, long dateSec, long dateNsec, long vmClockNsec,
                               long vmStateSize, long diskSize, long icount) {
}
