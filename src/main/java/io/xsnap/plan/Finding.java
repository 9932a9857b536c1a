package io.xsnap.plan;

import java.util.Locale;

/**
 * Something the planner noticed that is not a change.
 *
 * @param kind    ERROR blocks the plan; DRIFT means a managed snapshot's artifacts are broken; DIFFERS means a
 *                snapshot exists but was taken with other settings than the spec now says; UNMANAGED lists
 *                snapshots xsnap did not make and leaves alone
 * @param fix     what a person can do about it, or null
 */
public record Finding(Kind kind, String domain, String snapshot, String message, String fix) {
    public enum Kind {
        ERROR, DRIFT, DIFFERS, UNMANAGED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
