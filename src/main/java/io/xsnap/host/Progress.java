package io.xsnap.host;

/** Where a long host operation (a memory save, a block job) reports how far it is. */
@FunctionalInterface
public interface Progress {
    /** Reports nothing. */
    Progress NONE = (what, done, total) -> { };

    /**
     * @param what  what is running, for people ("memory of web01", "block-commit of xvda")
     * @param done  bytes done so far
     * @param total bytes in all (0 when not known yet)
     */
    void update(String what, long done, long total);
}
