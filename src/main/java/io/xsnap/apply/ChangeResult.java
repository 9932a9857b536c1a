package io.xsnap.apply;

import io.xsnap.plan.Change;

/**
 * What happened to one change.
 *
 * @param pauseMillis    how long the domain stood still because of this change (from the stop, or from the
 *                       hypervisor's stop at a live save's switch-over, until the resume returned), -1 when
 *                       it was not paused
 * @param downtimeMillis a live memory save: the hypervisor's own measure of its switch-over (QEMU's
 *                       {@code downtime}: stop until the migration completed, within the pause), else -1
 * @param error          null when the change succeeded
 * @param memorySave     a create that saved memory: how ({@code stopped}, {@code pre-copy}, {@code background});
 *                       else null
 * @param saveMillis     a create that saved memory: from the start of the save until the memory file was
 *                       complete and fsynced (the guest runs during most of it when live), else -1
 */
public record ChangeResult(Change change, boolean ok, long pauseMillis, long downtimeMillis, long millis,
                           String error, String memorySave, long saveMillis) {
    public ChangeResult(Change change, boolean ok, long pauseMillis, long downtimeMillis, long millis, String error) {
        this(change, ok, pauseMillis, downtimeMillis, millis, error, null, -1);
    }
}
