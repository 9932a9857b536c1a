package io.xsnap.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/**
 * Something the planner noticed that is not a change.
 *
 * <p>The {@link Code} says what it is and decides behaviour (the exit code of a plan with errors); the message and
 * the fix only describe. The code is not part of the plan's JSON (schemas/plan-v1.schema.json is unchanged): a
 * finding read back from JSON gets the general code of its kind.
 *
 * @param kind    ERROR blocks the plan; DRIFT means a managed snapshot's artifacts are broken; DIFFERS means a
 *                snapshot exists but was taken with other settings than the spec now says; UNMANAGED lists
 *                snapshots xsnap did not make and leaves alone
 * @param fix     what a person can do about it, or null
 * @param code    what the finding is; its kind is {@code code.kind()}
 */
public record Finding(Kind kind, String domain, String snapshot, String message, String fix,
                      @JsonIgnore Code code) {
    public Finding {
        if (kind == null) {
            throw new IllegalArgumentException("a finding has a kind");
        }
        if (code == null) {
            code = Code.generalOf(kind);
        }
        if (code.kind() != kind) {
            throw new IllegalArgumentException("finding code " + code + " is not of kind " + kind);
        }
    }

    /** A finding with the general code of its kind. */
    public Finding(Kind kind, String domain, String snapshot, String message, String fix) {
        this(kind, domain, snapshot, message, fix, null);
    }

    /** A finding of code {@code code} (its kind follows from the code). */
    public Finding(Code code, String domain, String snapshot, String message, String fix) {
        this(code.kind(), domain, snapshot, message, fix, code);
    }

    public enum Kind {
        ERROR, DRIFT, DIFFERS, UNMANAGED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a finding is. The command line maps codes to exit codes (cli/ExitCodes). */
    public enum Code {
        /** The change cannot be made as asked (the general error). */
        BLOCKED(Kind.ERROR),
        /** Refused because the change would lose the domain's current state; asking with --force allows it. */
        NEEDS_FORCE(Kind.ERROR),
        /** A record xsnap reads back (manifest, journal, clone record) is damaged; nothing is planned from it. */
        DAMAGED_RECORD(Kind.ERROR),
        /** A managed snapshot's files are broken or missing. */
        DRIFT(Kind.DRIFT),
        /** A snapshot was taken with other settings than its spec now says. */
        DIFFERS(Kind.DIFFERS),
        /** A snapshot xsnap did not make, left alone. */
        UNMANAGED(Kind.UNMANAGED);

        private final Kind kind;

        Code(Kind kind) {
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }

        /** The code a finding of {@code kind} has when nothing more is known (one read back from JSON). */
        static Code generalOf(Kind kind) {
            return switch (kind) {
                case ERROR -> BLOCKED;
                case DRIFT -> DRIFT;
                case DIFFERS -> DIFFERS;
                case UNMANAGED -> UNMANAGED;
            };
        }
    }
}
