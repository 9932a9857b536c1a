package io.xsnap.bench;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.StateReader;
import io.xsnap.observe.StoredSnapshot;
import io.xsnap.plan.Fingerprint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One cold step over a state file in a fresh JVM, as a run of xsnap does it: read it with the streaming
 * {@link StateReader} ({@code reader}) or with the data-binding mapper ({@code mapper}, {@code Json.mapper()
 * .readValue(bytes, Actual.class)}), as {@code plan --state} does; or read it with StateReader and take its
 * {@link Fingerprint} ({@code fingerprint}, as {@code plan --out} and {@code apply PLANFILE} do), or the digest
 * of the hand-picked fields the fingerprint was before issue #17 ({@code digest-v1}, the baseline). Prints the
 * milliseconds of the step alone (file bytes already in memory; for the last two, the state already read).
 * bench/state-reader.sh runs them in turn.
 */
public final class ReadState {
    private ReadState() {
    }

    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        if (args.length != 2 || !args[0].matches("reader|mapper|fingerprint|digest-v1")) {
            System.err.println("usage: ReadState reader|mapper|fingerprint|digest-v1 STATE.json");
            System.exit(64);
        }
        byte[] bytes = Files.readAllBytes(Path.of(args[1]));
        if (args[0].equals("fingerprint") || args[0].equals("digest-v1")) {
            Actual a = StateReader.actual(bytes);
            long t0 = System.nanoTime();
            String f = args[0].equals("fingerprint") ? Fingerprint.of(a) : digestV1(a);
            long t1 = System.nanoTime();
            System.out.printf("%.1f %s%n", (t1 - t0) / 1e6, f.substring(0, 12));
            return;
        }
        long t0 = System.nanoTime();
        Actual a = args[0].equals("reader") ? StateReader.actual(bytes) : Json.mapper().readValue(bytes, Actual.class);
        long t1 = System.nanoTime();
        System.out.printf("%.1f %d%n", (t1 - t0) / 1e6, a.domains().size());
    }

    /** The fingerprint before issue #17: a digest of hand-picked fields (kept here as the baseline). */
    static String digestV1(Actual a) throws NoSuchAlgorithmException {
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
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
