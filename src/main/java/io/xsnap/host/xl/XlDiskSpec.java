package io.xsnap.host.xl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One disk specification string of an xl config's {@code disk = [...]} (xl-disk-configuration(5)): items
 * separated by commas, either {@code key=value} or positional in the order target, format, vdev, access;
 * {@code target=} must come last and swallows the rest, commas included.
 *
 * @param vdev   the guest device name ("hdc" for the legacy "hdc:cdrom")
 * @param target the file or device, or "" when none is given (an empty CD-ROM)
 * @param format the format as written, or null for xl's default (raw)
 * @param access the access as written, or null for xl's default (rw)
 * @param others every other item as written (devtype=, backendtype=, script=, flags), in order
 * @param original the specification as written
 */
public record XlDiskSpec(String vdev, String target, String format, String access, List<String> others, boolean cdrom,
                         String original) {
    private static final Set<String> FLAGS = Set.of("cdrom", "direct-io-safe", "discard", "no-discard", "colo",
            "trusted", "untrusted");
    private static final String[] POSITIONS = {"target", "format", "vdev", "access"};

    public XlDiskSpec {
        others = List.copyOf(others);
    }

    /** Parses one spec; throws IllegalArgumentException with a reason people can act on. */
    public static XlDiskSpec parse(String spec) {
        String vdev = null;
        String target = null;
        String format = null;
        String access = null;
        boolean cdrom = false;
        List<String> others = new ArrayList<>();
        int position = 0;
        String rest = spec;
        while (rest != null) {
            String item;
            String stripped = rest.stripLeading();
            if (stripped.startsWith("target=")) {
                item = stripped;
                rest = null;
            } else {
                int comma = rest.indexOf(',');
                item = (comma < 0 ? rest : rest.substring(0, comma)).strip();
                rest = comma < 0 ? null : rest.substring(comma + 1);
            }
            int eq = item.indexOf('=');
            if (eq > 0) {
                String key = item.substring(0, eq).strip();
                String value = item.substring(eq + 1).strip();
                switch (key) {
                    case "target" -> target = value;
                    case "format" -> format = value;
                    case "vdev" -> vdev = value;
                    case "access" -> access = value;
                    case "devtype" -> {
                        cdrom |= value.equals("cdrom");
                        others.add(item);
                    }
                    default -> others.add(item);
                }
            } else if (FLAGS.contains(item)) {
                cdrom |= item.equals("cdrom");
                others.add(item);
            } else if (item.isEmpty() && rest == null && position > 0) {
                break; // a trailing comma
            } else {
                if (position >= POSITIONS.length) {
                    throw new IllegalArgumentException("disk '" + spec + "': more than four positional items");
                }
                String slot = POSITIONS[position++];
                String value = item.isEmpty() ? null : item;
                switch (slot) {
                    case "target" -> target = value;
                    case "format" -> format = value;
                    case "vdev" -> vdev = value;
                    default -> access = value;
                }
            }
        }
        if (vdev != null && vdev.endsWith(":cdrom")) {
            vdev = vdev.substring(0, vdev.length() - ":cdrom".length());
            cdrom = true;
        }
        if (vdev == null || vdev.isEmpty()) {
            throw new IllegalArgumentException("disk '" + spec + "' has no vdev");
        }
        return new XlDiskSpec(vdev, target == null ? "" : target, format, access, others, cdrom, spec);
    }

    /**
     * The spec pointed at another file: {@code format=F, vdev=V[, access=A], target=T}, the other items kept
     * first (a {@code backendtype=phy} is dropped when the new format is not raw: only qdisk serves qcow2).
     */
    public String withTarget(String newTarget, String newFormat) {
        List<String> items = new ArrayList<>();
        for (String o : others) {
            if (!(o.replace(" ", "").equals("backendtype=phy") && !"raw".equals(newFormat))) {
                items.add(o);
            }
        }
        items.add("format=" + newFormat);
        items.add("vdev=" + vdev);
        if (access != null) {
            items.add("access=" + access);
        }
        items.add("target=" + newTarget);
        return String.join(", ", items);
    }
}
