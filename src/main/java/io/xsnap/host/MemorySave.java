package io.xsnap.host;

/**
 * What a memory save did.
 *
 * @param bytes          the bytes written to the memory file
 * @param downtimeMillis the hypervisor's own measure of the switch-over of a live save (QEMU: {@code downtime}
 *                       from {@code query-migrate}: from stopping the guest until the migration completed),
 *                       or -1 when it reports none
 * @param stoppedAtNanos the {@link System#nanoTime()} at which the save stopped the guest (not live: before
 *                       it wrote anything; live: for its switch-over), or -1 when the save did not stop it
 *                       (it was paused before)
 */
public record MemorySave(long bytes, long downtimeMillis, long stoppedAtNanos) {
    /** A save of {@code bytes} that neither stopped the guest nor reports a downtime. */
    public static MemorySave of(long bytes) {
        return new MemorySave(bytes, -1, -1);
    }
}
