package io.xsnap.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Domain control, one implementation per hypervisor tool (qemu over QMP, xl). Every method works on
 * the live host; failures throw {@link HostException} naming the domain and, where it applies, the disk.
 */
public interface DomainDriver {
    /** "qemu" or "xl". */
    String name();

    /** What this driver can do, as the planner asks it. */
    default DriverCapabilities capabilities() {
        return DriverCapabilities.of(name());
    }

    /** Where long operations (memory saves, block jobs) report how far they are; none by default. */
    default void progress(Progress progress) {
    }

    /** Every domain the driver can see, sorted by name. Never changes anything. */
    List<DomainInfo> list();

    void pause(DomainInfo domain);

    void resume(DomainInfo domain);

    /**
     * Saves guest memory to {@code file} (created 0600). Not live: a running guest is paused by the save, as
     * late as it can (qemu: once the monitor, the file and the settings are ready; xl: just before
     * {@code xl save -p}), and stays paused. Live: memory is copied while the guest
     * runs; the guest ends paused. {@link MemorySave#stoppedAtNanos()} says when the save stopped it.
     *
     * @return the bytes written, and when the save stopped the guest
     */
    MemorySave saveMemory(DomainInfo domain, Path file, boolean live);

    /**
     * A domain snapshot: saves memory to {@code file} and cuts the disks at the same instant, the guest
     * stopped. Not live: the save pauses a running guest first. Live: memory is copied while the guest runs,
     * the guest stops at the end and the disks are cut then. The guest ends paused, unless the save resumed it
     * itself once memory and disks were taken: {@link MemorySave#resumedAtNanos()} then says when (qemu: a
     * background save, and a save not live of a running guest).
     *
     * <p>The default saves memory, then cuts the disks: right where a saved domain's disks stay usable
     * (xl save -p). The qemu driver overrides it: QEMU deactivates a guest's disks once a migration
     * completes, so it cuts them inside the migration, before the switch-over.
     *
     * @return the bytes of memory written, and when the save stopped the guest
     */
    default MemorySave saveMemoryAndSnapshotDisks(DomainInfo domain, Path file, boolean live, List<DiskCut> cuts) {
        MemorySave save = saveMemory(domain, file, live);
        snapshotDisks(domain, cuts);
        return save;
    }

    /** Cuts all the given disks at one instant (one transaction): all or none. */
    void snapshotDisks(DomainInfo domain, List<DiskCut> cuts);

    /** Deletes an internal snapshot from an image the running domain holds open. */
    void deleteInternalSnapshot(DomainInfo domain, DiskInfo disk, String tag);

    /**
     * Merges the layer directly above {@code base} into it while the domain runs (block-commit), so
     * {@code top}'s data lands in {@code base} and whatever used {@code top} as backing now uses {@code base}.
     */
    void commitLayer(DomainInfo domain, DiskInfo disk, Path top, Path base);

    /**
     * Copies {@code removed}'s data into the layer above it (block-stream) while the domain runs, so that
     * layer's backing becomes {@code newBase} (removed's own backing, or none).
     */
    void streamLayer(DomainInfo domain, DiskInfo disk, Path above, Path removed, Path newBase);

    /**
     * Brings to their end the block jobs an interrupted xsnap run left in the domain (a commit waiting to be
     * completed, a finished job waiting to be dismissed, one still copying), so recovery sees the chain as
     * it ends. The default: the driver starts no jobs that outlive a call.
     *
     * @return whether there was such a job
     */
    default boolean settleJobs(DomainInfo domain) {
        return false;
    }

    /**
     * Brings to its end a memory save or load an interrupted xsnap run left in the domain: a save still
     * copying or waiting at its switch-over is cancelled (QEMU then keeps or resumes the guest as before the
     * save) and its end awaited, or, where cancelling would harm the guest (a background save), awaited until it
     * completes; a load still reading is awaited. Afterwards {@link #resume} works. The
     * default: the driver leaves no such thing behind.
     *
     * @return what was done, for the report; null when there was nothing to settle
     */
    default String settleMigration(DomainInfo domain) {
        return null;
    }

    /**
     * Waits while a domain an interrupted xsnap run was starting under {@code name} is still coming up (qemu: a
     * QEMU with this domain's pid file on its command line that does not serve its monitor yet), so that what
     * is observed next shows it, up or gone. The default: a start returns only once the domain is up.
     */
    default void awaitStarting(String name) {
    }

    /**
     * At most how many bytes a memory save of this domain writes (its RAM, the stream's framing and the
     * device state), so a change can check the store's free space before it touches the domain; -1 when
     * the driver cannot tell.
     */
    default long memorySaveBound(DomainInfo domain) {
        return -1;
    }

    /** What {@link #start} needs later to bring this domain back. */
    RestartRecipe restartRecipe(DomainInfo domain);

    /**
     * The driver's own state outside the store ({@link TrustedState}): what it observed of the domains xsnap stopped,
     * and the memory files xsnap wrote outside the store. Null for a driver that keeps none (then no path outside
     * the store is trusted for a domain it does not report).
     */
    default TrustedState trustedState() {
        return null;
    }

    /**
     * The record the driver wrote when xsnap stopped {@code name} ({@link #destroy} writes it first), or empty when
     * xsnap did not see it stop. Reads only.
     */
    default java.util.Optional<TrustedState.Anchor> anchor(String name) {
        TrustedState state = trustedState();
        return state == null ? java.util.Optional.empty() : state.anchor(name);
    }

    /**
     * Records what the driver observes itself of a running domain ({@link #anchor}), before xsnap changes it: a change
     * may end with the domain gone (its hypervisor process killed meanwhile), and recovery then holds the journal
     * against this record. {@link #destroy} records the domain too. The default keeps nothing.
     */
    default void recordAnchor(DomainInfo domain) {
    }

    /** Forgets the record of a domain that runs again as planned (a change on it ended). */
    default void forgetAnchor(String name) {
        TrustedState state = trustedState();
        if (state != null) {
            state.removeAnchor(name);
        }
    }

    /**
     * The recipe to start {@code name} from, given the one read back from the store ({@code record} names where):
     * the stored recipe must agree with what the driver observed itself (the running domain, else its
     * {@link #anchor}) within the difference a revert makes; what the driver observed is returned, so nothing read
     * only from the store is ever run. Throws naming the record and field, and what to do, when it does not agree
     * or when there is nothing to hold it against.
     */
    RestartRecipe vouchedRecipe(String name, RestartRecipe stored, Path record);

    /**
     * Stops the domain for good (QEMU quit, xl destroy) and waits until it is gone. First it records what it observes
     * of the domain itself ({@link #anchor}: its disks' chains and its command line or live config), so that what
     * the store says of the stopped domain can be held against it later.
     */
    void destroy(DomainInfo domain);

    /**
     * Throws a {@link HostException} when {@link #start} with these arguments would surely fail, so a revert
     * can refuse before it stops the domain. Reads only. The default finds nothing to check.
     */
    default void checkStart(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory) {
    }

    /**
     * Starts the domain again from its recipe with each listed disk's file replaced (vdev → new top file),
     * loading {@code memory} when it is not null (else a cold start). The domain is left paused when
     * {@code paused} is true, else running. Once it runs (or is paused as asked), its {@link #anchor} is removed.
     */
    DomainInfo start(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory, boolean paused);

    /**
     * The recipe that starts a clone of a domain: the source's recipe with the name {@code name}, each listed disk's
     * file replaced (vdev → the clone's overlay), fresh MAC addresses and a fresh UUID. Pure: nothing is started.
     */
    default RestartRecipe cloneRecipe(RestartRecipe source, String name, Map<String, Path> diskFiles) {
        throw new HostException("the " + name() + " driver cannot make clones");
    }

    /**
     * A clone's own copy of a frozen raw file that shares its blocks ({@code cp --reflink=always}), for a disk the
     * hypervisor serves without QEMU (xl: blkback). {@code target} must not exist.
     */
    default void copyDisk(Path frozen, Path target) {
        throw new HostException("the " + name() + " driver makes no disk copies (" + frozen + ")");
    }
}
