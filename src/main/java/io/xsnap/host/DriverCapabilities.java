package io.xsnap.host;

/**
 * What a domain driver can and cannot do, as the planner needs to know it. The planner asks these questions instead
 * of comparing the driver's name; each answer rests on what the real tool was seen to do (docs/xen-lab.md).
 *
 * @param liveMemorySave       memory can be saved while the guest runs (qemu: background snapshot or pre-copy;
 *                             xl: no, the one live save of libxl needs log-dirty mode, which Debian's Xen 4.17
 *                             cannot give a PV guest)
 * @param savesPausedDomain    the memory of a paused domain can be saved (xl: no, a PV guest must acknowledge its
 *                             suspend, and Xen fails the save of a paused one after a minute)
 * @param saveSuspendsGuest    the memory save suspends the running guest itself and leaves it paused, so nothing
 *                             pauses it before (xl save -p)
 * @param startsFromConfigFile a domain is started from a config file: a snapshot must record that file's text for a
 *                             clone to be derived from it, and the store keeps each clone's start config (xl)
 */
public record DriverCapabilities(boolean liveMemorySave, boolean savesPausedDomain, boolean saveSuspendsGuest,
                                 boolean startsFromConfigFile) {
    /** Plain QEMU over QMP. */
    public static final DriverCapabilities QEMU = new DriverCapabilities(true, true, false, false);
    /** Xen's xl with QEMU as device model (qdisk) and blkback. */
    public static final DriverCapabilities XL = new DriverCapabilities(false, false, true, true);

    /**
     * The capabilities of the driver named {@code driver} ({@link DomainDriver#name()}; an observed state read from
     * JSON has only the name).
     */
    public static DriverCapabilities of(String driver) {
        return "xl".equals(driver) ? XL : QEMU;
    }
}
