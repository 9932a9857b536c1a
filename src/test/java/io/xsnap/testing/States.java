package io.xsnap.testing;

import io.xsnap.observe.Actual;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Observed states made by reflection over the records {@link Actual} holds, so that a field added to any of
 * them is generated (and mutated) without a change here. Values follow the state schema where it constrains them
 * (the table {@link #constrained}); every other field of a type gets a value of its type: text with quotes,
 * backslashes, control and non-ASCII characters, numbers across their range, lists of zero to three items.
 *
 * <ul>
 *   <li>{@link #random(long)}: a varied state; nullable fields ({@link #NULLABLE}) are null at random, lists
 *       may be empty;</li>
 *   <li>{@link #full(long)}: every field set and every list non-empty, for {@link #mutations}.</li>
 * </ul>
 * The anchors ({@link Actual#anchored()}) are not part of the state format: with {@code anchors} false they are
 * empty.
 */
public final class States {
    /** Fields ("Record.component", a nested record as "Outer.Inner.component") that may be null in an observed state. */
    public static final Set<String> NULLABLE = Set.of("DiskInfo.node", "ImageInfo.backingFile", "ImageInfo.backingPath",
            "ImageInfo.backingFormat", "ImageInfo.dataFile", "ImageInfo.details", "ImageDetails.fullBackingFilename",
            "ImageDetails.compressionType", "Manifest.description", "Manifest.memory", "Manifest.parent",
            "Manifest.Disk.image", "Manifest.Disk.tag", "Manifest.Disk.frozen", "Manifest.Disk.overlay",
            "CloneRecord.Disk.baseFormat", "RestartRecipe.xlConfig",
            "RestartRecipe.xlConfigFile", "RestartRecipe.xlConfigText", "CloneRecord.restart", "CloneRecord.memory",
            "Damaged.snapshot");

    private static final String NAME_CHARS = "ABCXYZabcxyz0189._-";
    private static final String[] ODD = {"\"", "\\", "/", "\u0001", "\t", "\n", "é", "ü", "日本", "\uD83D\uDE00", "\u007f",
            "\u2028", " ", "{", "]", ":", ","};

    private final Random rnd;
    private final boolean full;
    private final boolean anchors;

    private States(long seed, boolean full, boolean anchors) {
        this.rnd = new Random(seed);
        this.full = full;
        this.anchors = anchors;
    }

    /** A varied state without anchors (what a state file can hold). */
    public static Actual random(long seed) {
        return new States(seed, false, false).make(Actual.class);
    }

    /** A state with every field set, every list non-empty, and anchors when {@code anchors}. */
    public static Actual full(long seed, boolean anchors) {
        return new States(seed, true, anchors).make(Actual.class);
    }

    private <T> T make(Class<T> type) {
        return type.cast(record(type));
    }

    /** Values the schemas constrain, by "Record.component". */
    private Map<String, Supplier<Object>> constrained() {
        Supplier<Object> driver = () -> pick("qemu", "xl");
        Supplier<Object> imageFormat = () -> pick("qcow2", "raw");
        Map<String, Supplier<Object>> m = new TreeMap<>();
        m.put("Actual.driver", driver);
        m.put("DomainInfo.driver", driver);
        m.put("Manifest.driver", driver);
        m.put("ImageInfo.format", imageFormat);
        m.put("Manifest.formatVersion", () -> 1);
        m.put("CloneRecord.formatVersion", () -> 1);
        m.put("Manifest.name", this::name);
        m.put("Manifest.domain", this::name);
        m.put("Manifest.state", () -> pick("running", "paused"));
        m.put("Manifest.Memory.file", () -> name() + ".save");
        m.put("Manifest.Memory.size", () -> (long) rnd.nextInt(Integer.MAX_VALUE));
        m.put("Manifest.Memory.sha256", () -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 64; i++) {
                sb.append("0123456789abcdef".charAt(rnd.nextInt(16)));
            }
            return sb.toString();
        });
        m.put("Manifest.Memory.pauseMillis", () -> (long) rnd.nextInt(100_000));
        m.put("Manifest.Disk.mode", () -> pick("internal", "external", "excluded"));
        m.put("Manifest.Disk.format", imageFormat);
        m.put("StoredSnapshot.memorySize", () -> rnd.nextInt(3) == 0 ? -1L : (long) rnd.nextInt(Integer.MAX_VALUE));
        m.put("ImageInfo.fileSize", () -> rnd.nextLong() >>> 1);
        m.put("ImageInfo.allocatedBytes", () -> rnd.nextInt(3) == 0 ? -1L : rnd.nextLong() >>> 1);
        m.put("ImageInfo.backingVisibleBytes", () -> rnd.nextInt(3) == 0 ? -1L : rnd.nextLong() >>> 1);
        return m;
    }

    private Object record(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Map<String, Supplier<Object>> constrained = constrained();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String key = typeName(type) + "." + c.getName();
            if (!full && NULLABLE.contains(key) && rnd.nextInt(3) == 0) {
                args[i] = null;
            } else if (constrained.containsKey(key)) {
                args[i] = constrained.get(key).get();
            } else {
                args[i] = value(c.getGenericType(), key);
            }
        }
        return construct(type, args);
    }

    private Object value(Type type, String key) {
        if (type instanceof ParameterizedType pt && pt.getRawType() == List.class) {
            int n = full ? 1 + rnd.nextInt(2) : rnd.nextInt(4);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(value(pt.getActualTypeArguments()[0], key));
            }
            return out;
        }
        if (type instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
            Map<Object, Object> out = new TreeMap<>();
            if (anchors) {
                for (int i = 0, n = 1 + rnd.nextInt(2); i < n; i++) {
                    out.put(value(pt.getActualTypeArguments()[0], key), value(pt.getActualTypeArguments()[1], key));
                }
            }
            return out;
        }
        Class<?> c = (Class<?>) type;
        if (c == String.class) {
            return text();
        } else if (c == Path.class) {
            return Path.of("/" + name() + "/" + text().replace("\u0000", "").replace("/", "_") + ".img");
        } else if (c == long.class) {
            return switch (rnd.nextInt(4)) {
                case 0 -> Long.MAX_VALUE - rnd.nextInt(10);
                case 1 -> (long) -rnd.nextInt(10);
                default -> rnd.nextLong();
            };
        } else if (c == int.class) {
            return rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(100);
        } else if (c == boolean.class) {
            return rnd.nextBoolean();
        } else if (c == Instant.class) {
            return Instant.ofEpochSecond(rnd.nextInt(2_000_000_000), rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1_000_000_000));
        } else if (c.isEnum()) {
            Object[] all = c.getEnumConstants();
            return all[rnd.nextInt(all.length)];
        } else if (c.isRecord()) {
            return record(c);
        }
        throw new IllegalArgumentException("States cannot make a " + type + " (" + key + "): add it to value()");
    }

    private String text() {
        StringBuilder sb = new StringBuilder(name());
        for (int i = 0, n = rnd.nextInt(4); i < n; i++) {
            sb.append(ODD[rnd.nextInt(ODD.length)]).append(name());
        }
        return sb.toString();
    }

    private String name() {
        StringBuilder sb = new StringBuilder().append((char) ('a' + rnd.nextInt(26)));
        for (int i = 0, n = rnd.nextInt(12); i < n; i++) {
            sb.append(NAME_CHARS.charAt(rnd.nextInt(NAME_CHARS.length())));
        }
        return sb.toString();
    }

    private Object pick(Object... choices) {
        return choices[rnd.nextInt(choices.length)];
    }

    /** A record's simple name, a nested one's as "Outer.Inner". */
    public static String typeName(Class<?> c) {
        return c.getEnclosingClass() == null ? c.getSimpleName() : typeName(c.getEnclosingClass()) + "." + c.getSimpleName();
    }

    /** A record made through its canonical constructor. */
    public static Object construct(Class<?> type, Object[] args) {
        try {
            Constructor<?> k = type.getDeclaredConstructor(
                    Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new));
            k.setAccessible(true);
            return k.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type + ": " + e, e);
        }
    }

    /**
     * One changed field: where, the field ("Record.component"), the fields of the records on the way to it (the
     * field's own last), and the whole state with that field changed.
     */
    public record Mutation(String where, String field, List<String> path, Object state) {
    }

    /**
     * Every state that differs from {@code root} in one field, for every field of every record {@code root} holds:
     * a text, path, number, flag, instant or enum changed; a list with one item fewer or one more; a map with one
     * entry more; a null field set (to the value of the same field elsewhere is not needed: a new value is made).
     * {@code field} is "Record.component" of the changed field.
     */
    public static List<Mutation> mutations(Object root) {
        List<Mutation> out = new ArrayList<>();
        mutate(root, root.getClass().getSimpleName(), List.of(), v -> v, out);
        return out;
    }

    private static void mutate(Object record, String where, List<String> path, Function<Object, Object> rebuild,
                               List<Mutation> out) {
        Class<?> type = record.getClass();
        RecordComponent[] components = type.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            int index = i;
            Object value;
            try {
                value = c.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String field = typeName(type) + "." + c.getName();
            Function<Object, Object> with = v -> {
                Object[] args = new Object[components.length];
                for (int j = 0; j < components.length; j++) {
                    try {
                        args[j] = j == index ? v : components[j].getAccessor().invoke(record);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return rebuild.apply(construct(type, args));
            };
            List<String> to = new ArrayList<>(path);
            to.add(field);
            changed(value, c.getGenericType(), where + "." + c.getName(), List.copyOf(to), with, out);
        }
    }

    private static void changed(Object value, Type type, String where, List<String> path, Function<Object, Object> with,
                                List<Mutation> out) {
        String field = path.get(path.size() - 1);
        if (value == null) {
            throw new IllegalStateException(where + " is null: make the state with States.full");
        }
        if (value instanceof List<?> list) {
            out.add(new Mutation(where + " (one item fewer)", field, path, with.apply(list.subList(0, list.size() - 1))));
            List<Object> more = new ArrayList<>(list);
            more.add(list.get(0));
            out.add(new Mutation(where + " (one item more)", field, path, with.apply(more)));
            Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
            for (int i = 0; i < list.size(); i++) {
                int at = i;
                Function<Object, Object> withItem = v -> {
                    List<Object> copy = new ArrayList<>(list);
                    copy.set(at, v);
                    return with.apply(copy);
                };
                changed(list.get(i), item, where + "[" + i + "]", path, withItem, out);
            }
        } else if (value instanceof Map<?, ?> map) {
            Map<Object, Object> more = new TreeMap<>(map);
            more.put("another-" + map.size(), List.of(Path.of("/another")));
            out.add(new Mutation(where + " (one entry more)", field, path, with.apply(more)));
        } else if (value.getClass().isRecord()) {
            mutate(value, where, path, with, out);
        } else {
            out.add(new Mutation(where, field, path, with.apply(other(value))));
        }
    }

    private static Object other(Object v) {
        if (v instanceof String s) {
            return s + "x";
        } else if (v instanceof Path p) {
            return Path.of(p + "x");
        } else if (v instanceof Long l) {
            return l == Long.MAX_VALUE ? l - 1 : l + 1;
        } else if (v instanceof Integer i) {
            return i == Integer.MAX_VALUE ? i - 1 : i + 1;
        } else if (v instanceof Boolean b) {
            return !b;
        } else if (v instanceof Instant t) {
            return t.plusNanos(1);
        } else if (v instanceof Enum<?> e) {
            Object[] all = e.getDeclaringClass().getEnumConstants();
            return all[(e.ordinal() + 1) % all.length];
        }
        throw new IllegalArgumentException("States cannot change a " + v.getClass() + ": add it to other()");
    }

    /** Every "Record.component" of every record reachable from {@code type}. */
    public static Set<String> fields(Class<?> type) {
        Set<String> out = new LinkedHashSet<>();
        fields(type, out);
        return out;
    }

    private static void fields(Type type, Set<String> out) {
        if (type instanceof ParameterizedType pt) {
            for (Type arg : pt.getActualTypeArguments()) {
                fields(arg, out);
            }
            return;
        }
        if (!(type instanceof Class<?> c) || !c.isRecord()) {
            return;
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            if (out.add(typeName(c) + "." + rc.getName())) {
                fields(rc.getGenericType(), out);
            }
        }
    }
}
