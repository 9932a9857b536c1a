package io.xsnap.host;

/**
 * What a memory save did.
 *
 * @param bytes          the bytes written to the memory file
 * @param downtimeMillis the hypervisor's own measure of the stop of a live save (QEMU: {@code downtime} from
 *                       {@code query-migrate}: pre-copy, from stopping the guest until the migration completed;
 *                       background, from its stop until it resumed the guest), or -1 when it reports none
 * @param stoppedAtNanos the {@link System#nanoTime()} at which the save stopped the guest (not live and
 *                       background: before it wrote anything; pre-copy: for its switch-over), or -1 when the
 *                       save did not stop it (it was paused before)
 * @param resumedAtNanos when the guest was resumed during the save (background: by the hypervisor itself; qemu,
 *                       not live: by the save once memory and disks were taken), or -1 when the save left it
 *                       stopped
 * @param way            how the memory was saved
 */
public record MemorySave(long bytes, long downtimeMillis, long stoppedAtNanos, long resumedAtNanos, Way way) {
    /** How a save copied the memory. */
    public enum Way {
        /** the guest stood still while its memory was written */
        STOPPED("stopped"),
        /** copied while the guest ran, repeated until the rest fitted a short stop (memory of the end) */
        PRE_COPY("pre-copy"),
        /** the memory of the instant the save began, written in the background while the guest runs */
        BACKGROUND("background");

        private final String word;

        Way(String word) {
            this.word = word;
        }

        /** The word in output and manifests. */
        public String word() {
            return word;
        }
    }

    /** A save that left the guest stopped, {@link Way#STOPPED} not live, {@link Way#PRE_COPY} live. */
    public MemorySave(long bytes, long downtimeMillis, long stoppedAtNanos) {
        this(bytes, downtimeMillis, stoppedAtNanos, -1, Way.STOPPED);
    }

    /** A save of {@code bytes} that neither stopped the guest nor reports a downtime. */
    public static MemorySave of(long bytes) {
        return new MemorySave(bytes, -1, -1);
    }

    /** This save, done the {@code way} given. */
    public MemorySave with(Way way) {
        return new MemorySave(bytes, downtimeMillis, stoppedAtNanos, resumedAtNanos, way);
    }
}
