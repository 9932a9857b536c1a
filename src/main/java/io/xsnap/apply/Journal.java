package io.xsnap.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The append-only journal {@code <store>/.journal}: one JSON line per step, fsynced before the step runs.
 * A {@code pause} entry without its {@code resume} tells the next run that xsnap left a domain paused
 * (invariant 4).
 */
public final class Journal {
    private final Path file;
    private final JsonMapper json;

    public Journal(Path file, JsonMapper json) {
        this.file = file;
        this.json = json;
    }

    /** One journal line. {@code step} names what is about to run; {@code undo} says how to take it back. */
    public record Entry(String change, String step, String domain, String driver, String undo) {
    }

    public void append(Entry e) {
        try {
            StoreFiles.ensureDir(file.getParent());
            byte[] line = (json.writer().without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ch.write(java.nio.ByteBuffer.wrap(line));
                ch.force(true);
            }
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot write the journal " + file, ex);
        }
    }

    public List<Entry> read() {
        if (!Files.exists(file)) {
            return List.of();
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

    /** Starts a fresh journal once nothing in it is unfinished. */
    public void truncate() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot reset the journal " + file, ex);
        }
    }

    /** Step names written to the journal. */
    public static final class Steps {
        public static final String PAUSE = "pause";
        public static final String RESUME = "resume";
        /** Recovery resumed a domain a crashed run had left paused. */
        public static final String RESUMED = "resumed-by-recovery";

        private Steps() {
        }
    }
}
