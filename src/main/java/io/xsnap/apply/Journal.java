package io.xsnap.apply;

import io.xsnap.host.RestartRecipe;
import io.xsnap.plan.Change;
import io.xsnap.plan.Interrupted;
import io.xsnap.plan.Interrupted.Step;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The append-only journal {@code <store>/.journal}: one JSON line per step, fsynced before the step runs.
 * A change opens with a {@code begin} entry that records its plan, and closes with {@code done},
 * {@code undone} or {@code closed}; a change still open at the start of a run was interrupted, and
 * recovery finishes or undoes it. A {@code pause} entry without its {@code resume} tells the next run that
 * xsnap left a domain paused (invariant 4).
 *
 * <p>Every append passes {@link TestKillSwitch}, which is inert unless a test sets XSNAP_TEST_KILL_AT.
 */
public final class Journal {
    private final Path file;
    private final JsonMapper json;

    public Journal(Path file, JsonMapper json) {
        this.file = file;
        this.json = json;
    }

    /**
     * One journal line. {@code step} names what is about to run; {@code undo} says how to take it back, for
     * people; {@code data} holds what recovery needs (the planned change at {@code begin}), or null.
     */
    public record Entry(String change, String step, String domain, String driver, String undo, JsonNode data) {
        public Entry(String change, String step, String domain, String driver, String undo) {
            this(change, step, domain, driver, undo, null);
        }
    }

    public void append(Entry e) {
        try {
            StoreFiles.ensureDir(file.getParent());
            if (Files.isSymbolicLink(file)) {
                throw new IOException(file + " is a symbolic link; the store refuses links");
            }
            byte[] line = (json.writer().without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ch.write(java.nio.ByteBuffer.wrap(line));
                ch.force(true);
            }
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot write the journal " + file, ex);
        }
        TestKillSwitch.reached(e.step());
    }

    /** Appends the {@code begin} entry of a change: its plan and, for a create, the recipe and parent. */
    public void begin(Change c, String driver, RestartRecipe recipe, String parent) {
        tools.jackson.databind.node.ObjectNode data = json.createObjectNode();
        data.set("change", json.valueToTree(c));
        if (recipe != null) {
            data.set("recipe", json.valueToTree(recipe));
        }
        if (parent != null) {
            data.put("parent", parent);
        }
        append(new Entry(c.address(), Step.BEGIN, c.domain(), driver, undoOf(c), data));
    }

    private static String undoOf(Change c) {
        return switch (c.action()) {
            case CREATE -> "remove what the change made; or, once the disks were cut, finish it by writing the manifest";
            case REVERT -> "finish the revert: lay the snapshot's disks and start the domain from its recipe";
            case DELETE -> "finish the delete: end the merges, remove the listed files";
            case RECOVER -> "recover again: recovery is idempotent";
            case CLONE -> "remove the clone's overlays and record; the source snapshot is untouched";
            case DELETE_CLONE -> "finish: destroy the clone, remove its overlays and record";
            case BACKUP -> "delete the temporary snapshot (merge it back) and remove the partial export";
        };
    }

    /** Appends a step of change {@code c}. */
    public void step(Change c, String driver, String step, String undo) {
        append(new Entry(c.address(), step, c.domain(), driver, undo));
    }

    /** Appends a step with data (the bytes of memory at {@code cut-done}). */
    public void step(Change c, String driver, String step, String undo, JsonNode data) {
        append(new Entry(c.address(), step, c.domain(), driver, undo, data));
    }

    public List<Entry> read() {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        if (Files.isSymbolicLink(file)) {
            throw new java.io.UncheckedIOException(new IOException(file + " is a symbolic link; the store refuses links"));
        }
        try {
            List<Entry> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    try {
                        out.add(json.readValue(line, Entry.class));
                    } catch (tools.jackson.core.JacksonException torn) {
                        // a line torn by a crash mid-write: the step after it never ran
                    }
                }
            }
            return out;
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot read the journal " + file, ex);
        }
    }

    /** Domains with a {@code pause} entry not followed by a {@code resume} entry, in journal order. */
    public List<Entry> pausedAndNotResumed() {
        Map<String, Entry> open = new LinkedHashMap<>();
        for (Entry e : read()) {
            if (e.domain() == null) {
                continue;
            }
            if (Steps.PAUSE.equals(e.step())) {
                open.put(e.domain(), e);
            } else if (Steps.RESUME.equals(e.step()) || Steps.RESUMED.equals(e.step())) {
                open.remove(e.domain());
            }
        }
        return List.copyOf(open.values());
    }

    /** The changes begun and not ended, and pauses not ended, in journal order. */
    public List<Interrupted> interrupted() {
        Map<String, Open> open = new LinkedHashMap<>();
        for (Entry e : read()) {
            if (e.change() == null || e.step() == null) {
                continue;
            }
            Open o = open.get(e.change());
            switch (e.step()) {
                case Step.BEGIN -> open.put(e.change(), new Open(e));
                case Step.DONE, Step.UNDONE, Step.CLOSED -> open.remove(e.change());
                default -> {
                    if (o == null) {
                        o = new Open(null);
                        open.put(e.change(), o);
                    }
                    o.add(e);
                }
            }
        }
        List<Interrupted> out = new ArrayList<>();
        for (Map.Entry<String, Open> e : open.entrySet()) {
            Interrupted i = e.getValue().toInterrupted(e.getKey());
            if (i.change() != null || i.pauseOpen() || i.damage() != null) {
                out.add(i);
            }
        }
        return out;
    }

    /** Starts a fresh journal once nothing in it is unfinished. */
    public void truncate() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot reset the journal " + file, ex);
        }
    }

    /** One change's entries while reading. */
    private final class Open {
        private final Entry begin;
        private final List<String> steps = new ArrayList<>();
        private String domain;
        private long bytes = -1;
        private boolean paused;

        Open(Entry begin) {
            this.begin = begin;
            this.domain = begin == null ? null : begin.domain();
        }

        void add(Entry e) {
            steps.add(e.step());
            if (domain == null) {
                domain = e.domain();
            }
            if (Step.PAUSE.equals(e.step())) {
                paused = true;
            } else if (Step.RESUME.equals(e.step()) || Step.RESUMED.equals(e.step())) {
                paused = false;
            } else if (Step.CUT_DONE.equals(e.step()) && e.data() != null) {
                bytes = e.data().path("bytes").asLong(-1);
            }
        }

        Interrupted toInterrupted(String address) {
            Change change = null;
            RestartRecipe recipe = null;
            String parent = null;
            String damage = null;
            if (begin != null && begin.data() != null) {
                JsonNode d = begin.data();
                try {
                    change = d.hasNonNull("change") ? json.treeToValue(d.get("change"), Change.class) : null;
                    recipe = d.hasNonNull("recipe") ? json.treeToValue(d.get("recipe"), RestartRecipe.class) : null;
                    parent = d.hasNonNull("parent") ? d.get("parent").asString() : null;
                } catch (tools.jackson.core.JacksonException | IllegalArgumentException | NullPointerException e) {
                    change = null;
                    damage = "its begin entry does not hold a readable change: " + (e instanceof tools.jackson.core.JacksonException j
                            ? j.getOriginalMessage() : e.getMessage());
                }
                if (change != null && !address.equals(change.address())) {
                    damage = "its begin entry holds the change of " + change.address();
                }
            }
            return new Interrupted(address, domain, change, steps, recipe, parent, bytes, paused, damage);
        }
    }

    /** Step names written to the journal (see {@link Step} for all of them). */
    public static final class Steps {
        public static final String PAUSE = Step.PAUSE;
        public static final String RESUME = Step.RESUME;
        /** Recovery resumed a domain a crashed run had left paused. */
        public static final String RESUMED = Step.RESUMED;

        private Steps() {
        }
    }
}
