package io.xsnap.apply;

import io.xsnap.plan.Change;

/**
 * What happened to one change.
 *
 * @param pauseMillis how long the domain was paused by this change (STOP to RESUME), -1 when it was not
 * @param error       null when the change succeeded
 */
public record ChangeResult(Change change, boolean ok, long pauseMillis, long millis, String error) {
}
