package io.xsnap.host.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reading and rewriting a QEMU command line (argv as in /proc/PID/cmdline). Pure functions, no I/O.
 *
 * <p>Option values such as {@code -drive id=vda,file=/a,,b.qcow2} use QEMU's option syntax: comma-separated
 * {@code key=value} pairs where a comma inside a value is written twice. QEMU accepts {@code -opt} and
 * {@code --opt} alike.
 */
final class QemuArgv {
    /** Options that take no value; every other option this class touches takes exactly one. */
    private static final Set<String> FLAGS = Set.of("daemonize", "S");

    private QemuArgv() {
    }

    /** One {@code -drive}: its id (the vdev), file and format (null when not given). */
    record Drive(String id, String file, String format) {
    }

    /** The option name of an argv element ("drive" for "-drive" or "--drive"), or null if it is a value. */
    static String option(String arg) {
        if (arg.startsWith("--") && arg.length() > 2) {
            return arg.substring(2);
        }
        if (arg.startsWith("-") && arg.length() > 1) {
            return arg.substring(1);
        }
        return null;
    }

    /** The value of the first {@code -name}: the guest name (before any ",debug-threads=..."). */
    static String guestName(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if ("name".equals(option(argv.get(i)))) {
                List<String[]> pairs = parseOptions(argv.get(i + 1));
                for (String[] pair : pairs) {
                    if (pair[0] == null || pair[0].equals("guest")) {
                        return pair[1];
                    }
                }
                return null;
            }
        }
        return null;
    }

    /** The {@code -drive} options that have an id, in order. */
    static List<Drive> drives(List<String> argv) {
        List<Drive> drives = new ArrayList<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if ("drive".equals(option(argv.get(i)))) {
                List<String[]> pairs = parseOptions(argv.get(i + 1));
                String id = value(pairs, "id");
                if (id != null) {
                    drives.add(new Drive(id, value(pairs, "file"), value(pairs, "format")));
                }
                i++;
            }
        }
        return drives;
    }

    /** The argv with the {@code -drive id=ID} pointed at another file and format; other keys are kept. */
    static List<String> withDrive(List<String> argv, String id, Path file, String format) {
        List<String> out = new ArrayList<>(argv);
        for (int i = 0; i + 1 < out.size(); i++) {
            if ("drive".equals(option(out.get(i)))) {
                List<String[]> pairs = parseOptions(out.get(i + 1));
                if (id.equals(value(pairs, "id"))) {
                    put(pairs, "file", file.toString());
                    put(pairs, "format", format);
                    out.set(i + 1, formatOptions(pairs));
                    return out;
                }
                i++;
            }
        }
        throw new IllegalArgumentException("no -drive id=" + id);
    }

    /**
     * The argv for a daemonized guest under the driver's conventions: {@code -name NAME}, the QMP socket
     * and pid file given, {@code -daemonize}; any earlier {@code -pidfile}, {@code -daemonize},
     * {@code -incoming}, {@code -S} and any {@code -qmp} socket in {@code dir} are dropped first (other
     * monitors are kept).
     *
     * @param incoming the {@code -incoming} value, or null for a cold start
     * @param stopped  add {@code -S}: the guest does not run until {@code cont}
     */
    static List<String> forDaemon(List<String> argv, String name, Path dir, String incoming, boolean stopped) {
        List<String> out = renamedWithoutDriverOptions(argv, name, dir, Set.of(), (opt, value) -> value);
        out.add("-qmp");
        out.add("unix:" + escape(dir.resolve(name + ".qmp").toString()) + ",server=on,wait=off");
        out.add("-pidfile");
        out.add(dir.resolve(name + ".pid").toString());
        out.add("-daemonize");
        if (stopped) {
            out.add("-S");
        }
        if (incoming != null) {
            out.add("-incoming");
            out.add(incoming);
        }
        return out;
    }

    /**
     * The argv of a clone: {@code -name} set to {@code name}, every {@code mac=} of a {@code -device}, {@code -net}
     * or {@code -nic} option replaced by {@code macs.get()}, a {@code -uuid} replaced by {@code uuid}; the driver's
     * own {@code -qmp}, {@code -pidfile}, {@code -daemonize}, {@code -incoming} and {@code -S} are dropped (a start
     * adds them for the new name). Disk files are replaced at start, like a revert's.
     */
    static List<String> forClone(List<String> argv, String name, Path dir, java.util.function.Supplier<String> macs,
                                 String uuid) {
        return renamedWithoutDriverOptions(argv, name, dir, Set.of("uuid", "device", "net", "nic"), (opt, value) -> {
            if ("uuid".equals(opt)) {
                return uuid;
            }
            if ("device".equals(opt) || "net".equals(opt) || "nic".equals(opt)) {
                List<String[]> pairs = parseOptions(value);
                if (value(pairs, "mac") != null || "nic".equals(opt) || "net".equals(opt) && isNic(pairs)) {
                    put(pairs, "mac", macs.get());
                    return formatOptions(pairs);
                }
            }
            return value;
        });
    }

    /**
     * The one place that defines how far a restart recipe read back from the store may differ from the command line
     * the driver observed itself: {@code argv} with the driver's own options dropped (as {@link #forDaemon} drops them:
     * {@code -daemonize}, {@code -S}, {@code -pidfile}, {@code -incoming}, a {@code -qmp} socket in {@code dir}),
     * {@code -name} set to {@code name}, and the {@code file=} and {@code format=} of each {@code -drive} with an
     * {@code id=} (the disks a revert points at other files) left out. Two command lines that agree here start the
     * same program with the same devices.
     */
    static List<String> comparable(List<String> argv, String name, Path dir) {
        if (argv.isEmpty()) {
            return List.of();
        }
        return renamedWithoutDriverOptions(argv, name, dir, Set.of("drive"), (opt, value) -> {
            List<String[]> pairs = parseOptions(value);
            if (value(pairs, "id") == null) {
                return value;
            }
            pairs.removeIf(p -> "file".equals(p[0]) || "format".equals(p[0]));
            return formatOptions(pairs);
        });
    }

    /**
     * Null when {@code stored} and {@code observed} agree as {@link #comparable} says, else what differs first (for a
     * message).
     */
    static String difference(List<String> observed, List<String> stored, String name, Path dir) {
        List<String> a = comparable(observed, name, dir);
        List<String> b = comparable(stored, name, dir);
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : null;
            String y = i < b.size() ? b.get(i) : null;
            if (!java.util.Objects.equals(x, y)) {
                return "argument " + i + " is " + (y == null ? "missing" : "'" + y + "'") + " where the domain ran with "
                        + (x == null ? "nothing" : "'" + x + "'");
            }
        }
        return null;
    }

    /**
     * {@code argv} with {@code -name} set to {@code name} (added when missing), the driver's own options dropped
     * (the flags, {@code -pidfile}, {@code -incoming}, a {@code -qmp} socket in {@code dir}), and the value of
     * each option in {@code rewritten} passed through {@code rewrite(option, value)}; everything else as it is.
     */
    private static List<String> renamedWithoutDriverOptions(List<String> argv, String name, Path dir,
                                                            Set<String> rewritten,
                                                            java.util.function.BinaryOperator<String> rewrite) {
        List<String> out = new ArrayList<>();
        out.add(argv.get(0));
        boolean named = false;
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            String opt = option(arg);
            boolean hasValue = opt != null && !FLAGS.contains(opt) && i + 1 < argv.size();
            if (FLAGS.contains(opt == null ? "" : opt)) {
                continue;
            }
            if ("pidfile".equals(opt) || "incoming".equals(opt)
                    || "qmp".equals(opt) && hasValue && isSocketIn(argv.get(i + 1), dir)) {
                i++;
                continue;
            }
            out.add(arg);
            if (hasValue && "name".equals(opt) && !named) {
                out.add(renamed(argv.get(i + 1), name));
                named = true;
                i++;
            } else if (hasValue && rewritten.contains(opt)) {
                out.add(rewrite.apply(opt, argv.get(i + 1)));
                i++;
            }
        }
        if (!named) {
            out.add("-name");
            out.add(escape(name));
        }
        return out;
    }

    /** A {@code -net nic,...}: a NIC whose MAC QEMU would otherwise derive alike for every clone. */
    private static boolean isNic(List<String[]> pairs) {
        return !pairs.isEmpty() && pairs.get(0)[0] == null && "nic".equals(pairs.get(0)[1]);
    }

    private static boolean isSocketIn(String qmpValue, Path dir) {
        if (!qmpValue.startsWith("unix:")) {
            return false;
        }
        String path = parseOptions(qmpValue.substring("unix:".length())).get(0)[1];
        Path parent = Path.of(path).normalize().getParent();
        return parent != null && parent.equals(dir.toAbsolutePath().normalize());
    }

    private static String renamed(String nameValue, String name) {
        List<String[]> pairs = parseOptions(nameValue);
        String[] first = pairs.get(0);
        if (first[0] == null) {
            first[1] = name;
        } else {
            put(pairs, "guest", name);
        }
        return formatOptions(pairs);
    }

    /** Splits "a=1,b=x,,y,flag" into pairs; a first element without '=' has a null key (QEMU's implied key). */
    static List<String[]> parseOptions(String value) {
        List<String[]> pairs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i <= value.length(); i++) {
            if (i < value.length() && value.charAt(i) == ',' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (i == value.length() || value.charAt(i) == ',') {
                pairs.add(pair(current.toString(), pairs.isEmpty()));
                current.setLength(0);
            } else {
                current.append(value.charAt(i));
            }
        }
        return pairs;
    }

    private static String[] pair(String element, boolean first) {
        int eq = element.indexOf('=');
        if (eq < 0) {
            return first ? new String[] {null, element} : new String[] {element, null};
        }
        return new String[] {element.substring(0, eq), element.substring(eq + 1)};
    }

    static String formatOptions(List<String[]> pairs) {
        StringBuilder sb = new StringBuilder();
        for (String[] pair : pairs) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            if (pair[0] == null) {
                sb.append(escape(pair[1]));
            } else if (pair[1] == null) {
                sb.append(pair[0]);
            } else {
                sb.append(pair[0]).append('=').append(escape(pair[1]));
            }
        }
        return sb.toString();
    }

    private static String value(List<String[]> pairs, String key) {
        for (String[] pair : pairs) {
            if (key.equals(pair[0])) {
                return pair[1];
            }
        }
        return null;
    }

    private static void put(List<String[]> pairs, String key, String value) {
        for (String[] pair : pairs) {
            if (key.equals(pair[0])) {
                pair[1] = value;
                return;
            }
        }
        pairs.add(new String[] {key, value});
    }

    /** A value in QEMU option syntax: commas doubled. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
