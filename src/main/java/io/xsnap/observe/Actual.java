package io.xsnap.observe;

import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import java.util.List;

/**
 * Everything observed on the host in one run. Observing never changes anything.
 *
 * @param domains    the driver's domains, sorted by name
 * @param images     every image reachable from the domains' disks and from the store, sorted by path
 * @param snapshots  the complete snapshots of the store (those with a manifest), sorted by domain, created
 * @param incomplete store directories without a manifest ("domain/snapshot")
 * @param problems   things observed that could not be read (a corrupt image, a bad manifest), for people
 * @param appliedReverts the one-shot revert requests already carried out, as "domain/id", sorted
 * @param clones     the clones the store records, sorted by name
 * @param damaged    the store's records that cannot be trusted (invariant 8), sorted by address: acted on by nothing
 * @param anchored   domain → the files of its chains when xsnap stopped it, from the driver's trusted state, for the
 *                   domains the driver does not report (not part of the JSON: it is the host's own, not the store's)
 * @param made       domain → the external layers xsnap made outside the store for its snapshots, as its persistent
 *                   trusted state records them (not part of the JSON either)
 */
public record Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                     List<String> incomplete, List<String> problems, List<String> appliedReverts,
                     List<CloneRecord> clones, List<Damaged> damaged,
                     @com.fasterxml.jackson.annotation.JsonIgnore java.util.Map<String, List<java.nio.file.Path>> anchored,
                     @com.fasterxml.jackson.annotation.JsonIgnore java.util.Map<String, List<java.nio.file.Path>> made) {
    public Actual {
        made = made == null ? java.util.Map.of() : java.util.Map.copyOf(made);
        anchored = anchored == null ? java.util.Map.of() : java.util.Map.copyOf(anchored);
        damaged = damaged == null ? List.of() : List.copyOf(damaged);
        domains = List.copyOf(domains);
        images = List.copyOf(images);
        snapshots = List.copyOf(snapshots);
        incomplete = List.copyOf(incomplete);
        problems = List.copyOf(problems);
        appliedReverts = appliedReverts == null ? List.of() : List.copyOf(appliedReverts);
        clones = clones == null ? List.of() : List.copyOf(clones);
    }

    /** A state without layers made outside the store. */
    public Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                  List<String> incomplete, List<String> problems, List<String> appliedReverts,
                  List<CloneRecord> clones, List<Damaged> damaged,
                  java.util.Map<String, List<java.nio.file.Path>> anchored) {
        this(driver, domains, images, snapshots, incomplete, problems, appliedReverts, clones, damaged, anchored,
                java.util.Map.of());
    }

    /** A state without anchored domains. */
    public Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                  List<String> incomplete, List<String> problems, List<String> appliedReverts,
                  List<CloneRecord> clones, List<Damaged> damaged) {
        this(driver, domains, images, snapshots, incomplete, problems, appliedReverts, clones, damaged, java.util.Map.of());
    }

    /** A state without damaged records. */
    public Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                  List<String> incomplete, List<String> problems, List<String> appliedReverts,
                  List<CloneRecord> clones) {
        this(driver, domains, images, snapshots, incomplete, problems, appliedReverts, clones, List.of());
    }

    /** The damaged record of snapshot {@code domain/snapshot} (or of clone {@code domain}, snapshot null), or null. */
    public Damaged damaged(String domain, String snapshot) {
        return damaged.stream().filter(d -> d.domain().equals(domain) && java.util.Objects.equals(d.snapshot(), snapshot))
                .findFirst().orElse(null);
    }

    /** A state without clones. */
    public Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                  List<String> incomplete, List<String> problems, List<String> appliedReverts) {
        this(driver, domains, images, snapshots, incomplete, problems, appliedReverts, List.of());
    }

    /** The clone record of {@code domain}, or null. */
    public CloneRecord clone(String domain) {
        return clones.stream().filter(c -> c.domain().equals(domain)).findFirst().orElse(null);
    }

    /** A state with no one-shot reverts applied. */
    public Actual(String driver, List<DomainInfo> domains, List<ImageInfo> images, List<StoredSnapshot> snapshots,
                  List<String> incomplete, List<String> problems) {
        this(driver, domains, images, snapshots, incomplete, problems, List.of());
    }
}
