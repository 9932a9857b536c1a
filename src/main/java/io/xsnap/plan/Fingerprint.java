package io.xsnap.plan;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StoredSnapshot;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A digest of the observed facts a plan depends on: domains and their state and disks, every image's
 * format, backing file and snapshot table, the store's snapshots and applied reverts. File sizes, which
 * change whenever a guest writes, are left out. Two observations with the same fingerprint plan the same.
 */
public final class Fingerprint {
    private Fingerprint() {
    }

    public static String of(Actual a) {
        StringBuilder sb = new StringBuilder("xsnap-fingerprint-1\n").append(a.driver()).append('\n');
        for (DomainInfo d : a.domains()) {
            sb.append("domain ").append(d.name()).append(' ').append(d.state().word()).append('\n');
            for (DiskInfo disk : d.disks()) {
                sb.append("  disk ").append(disk.vdev()).append(' ').append(disk.path()).append(' ')
                        .append(disk.format()).append(disk.readOnly() ? " ro" : " rw").append('\n');
            }
        }
        for (ImageInfo i : a.images()) {
            sb.append("image ").append(i.path()).append(' ').append(i.format()).append(' ').append(i.virtualSize())
                    .append(" backing ").append(i.backingPath()).append(' ').append(i.backingFormat()).append('\n');
            for (InternalSnapshot s : i.snapshots()) {
                sb.append("  tag ").append(s.id()).append(' ').append(s.name()).append('\n');
            }
        }
        for (StoredSnapshot s : a.snapshots()) {
            sb.append("snapshot ").append(s.domain()).append('/').append(s.name()).append(' ')
                    .append(s.manifest().created()).append(" memory ").append(s.memorySize()).append('\n');
        }
        a.incomplete().forEach(i -> sb.append("incomplete ").append(i).append('\n'));
        a.appliedReverts().forEach(r -> sb.append("reverted ").append(r).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
