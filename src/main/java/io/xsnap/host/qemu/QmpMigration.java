package io.xsnap.host.qemu;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.MemorySave;
import io.xsnap.host.Progress;
import io.xsnap.host.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Guest memory to and from a file with QMP migration: {@code migrate "exec:exec cat >> 'FILE'"} to save,
 * {@code -incoming "exec:cat 'FILE'"} to load (QEMU 7.2 has no {@code file:} migration, and a JVM cannot pass
 * QEMU a file descriptor for {@code fd:}; a {@code unix:} socket that xsnap reads itself spares the writer's
 * fork but streamed at half the speed here, see docs/performance.md). The file holds QEMU's migration
 * stream, which starts with "QEVM".
 *
 * <p>The writer appends to the empty file xsnap made rather than truncating it: on ext4, closing a file
 * that was truncated and rewritten starts writeback of all its data (the auto_da_alloc heuristic), and
 * QEMU waits for the writer to exit before it answers again, the guest still stopped: over 100 ms for a
 * 256 MiB guest. The file is fsynced later, after the guest runs again.
 */
final class QmpMigration {
    private static final System.Logger LOG = System.getLogger(QmpMigration.class.getName());
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private QmpMigration() {
    }

    /**
     * Saves the guest's memory to {@code file} (created 0600 in a 0700 directory; an existing file is never
     * overwritten) and returns the bytes written, when the guest was stopped and, live, QEMU's own measure of
     * the switch-over. Not live: a running guest is stopped once the save is ready to start (the connection,
     * the file and the settings made first). Live: memory is copied while the guest runs,
     * QEMU stops it for the switch-over. Either way the file is written at full speed (see {@link Settings}).
     *
     * <p>With cuts, the migration pauses before the switch-over (capability pause-before-switchover), where
     * the guest is stopped and its disks are still active. Not live, the disk transaction is sent right after
     * {@code migrate}: the guest stands still already, so QEMU writes its RAM while it cuts (and flushes) the
     * disks, and the migration waits at the pause point until the cut is done. Live, the transaction runs at
     * the pause point, where QEMU has stopped the guest. If the transaction fails the migration is cancelled
     * (a live guest runs on), the file is removed and no disk changed. QEMU stops the guest at the end and
     * deactivates its disks until {@code cont}.
     *
     * @param resume a guest this (not live) save stopped is continued as soon as its memory is in the file
     *               and its disks are cut, over the same monitor connection, before the settings are put back
     *               and the file is checked: {@link MemorySave#resumedAtNanos()} says when. The checks after it
     *               still fail the save (the caller takes the cut back).
     */
    static MemorySave save(QmpClient qmp, DomainInfo domain, Path file, boolean live, List<DiskCut> cuts,
            Progress progress, boolean resume) {
        Path target = file.toAbsolutePath().normalize();
        // "exec cat": the shell QEMU starts becomes the writer instead of starting it, one process less to spawn
        String uri = "exec:exec cat >> " + shellQuoted(target);
        String status = qmp.execute("query-status").path("status").asString("");
        if (status.equals("postmigrate")) {
            throw new HostException("domain " + domain.name() + ": QEMU cannot save memory again before the "
                    + "guest has run since its last save (state postmigrate): resume it first");
        }
        boolean saved = false;
        Set<Long> writersBefore = QemuProcess.children(domain.id());
        Settings before = Settings.apply(qmp, live, !cuts.isEmpty());
        long stoppedAt = -1;
        long resumedAt = -1;
        boolean made = false;
        try {
            MemoryFile.create(target);
            made = true;
            if (!live && status.equals("running")) {
                // everything is ready: the guest stops only now
                stoppedAt = System.nanoTime();
                qmp.execute("stop");
            }
            qmp.execute("migrate", QmpClient.args().put("uri", uri));
            boolean cut = false;
            if (!live && !cuts.isEmpty()) {
                // the guest is stopped: its disks are cut while QEMU writes its RAM
                cutAtSwitchover(qmp, domain, cuts);
                cut = true;
            }
            JsonNode migration = awaitMigration(qmp, domain, progress, Set.of("pre-switchover", "completed", "failed",
                    "cancelled"));
            if (status(migration).equals("pre-switchover")) {
                if (!cut) {
                    cutAtSwitchover(qmp, domain, cuts);
                    cut = true;
                }
                qmp.execute("migrate-continue", QmpClient.args().put("state", "pre-switchover"));
                migration = awaitMigration(qmp, domain, progress, Set.of("completed", "failed", "cancelled"));
            }
            if (!status(migration).equals("completed")) {
                throw new HostException("domain " + domain.name() + ": " + (cut ? "the disks were cut, but " : "")
                        + "saving memory to " + target + " failed: "
                        + migration.path("error-desc").asString(status(migration)));
            }
            long completedAt = System.nanoTime();
            // QEMU reaps the writer once it has cleaned up after the save (the guest is then postmigrate)
            awaitWriters(domain, writersBefore);
            if (resume && !live && status.equals("running")) {
                qmp.execute("cont");
                resumedAt = System.nanoTime();
            }
            MigrationStream.checkWhole(target);
            long downtime = live ? downtime(qmp, migration) : -1;
            if (live) {
                stoppedAt = stoppedAt(qmp, completedAt, downtime);
            }
            long bytes = Files.size(target);
            if (!status.equals("running")) {
                reactivateDisks(qmp, domain);
            }
            saved = true;
            return new MemorySave(bytes, downtime, stoppedAt, resumedAt, MemorySave.Way.STOPPED);
        } catch (IOException e) {
            throw new HostException(target + ": " + e.getMessage(), e);
        } finally {
            if (!saved && made) {
                // a file that was there already is not this save's: it stays
                discardSaveFile(domain, writersBefore, target);
            }
            before.restore(qmp);
        }
    }

    /**
     * A guest paused before the save (by someone else) ends it in {@code postmigrate}: QEMU has deactivated
     * its disks, so no disk can be cut nor written until {@code cont}. QEMU 7.2 has no command that activates
     * them alone, so the guest is continued and stopped again at once: it ends paused, as it was, its disks
     * usable. It runs for the moment between the two commands (about a millisecond), after its snapshot.
     */
    private static void reactivateDisks(QmpClient qmp, DomainInfo domain) {
        if (qmp.execute("query-status").path("status").asString("").equals("postmigrate")) {
            LOG.log(System.Logger.Level.DEBUG, "domain " + domain.name() + ": cont + stop to reactivate its disks");
            qmp.execute("cont");
            qmp.execute("stop");
        }
    }

    /** The migration states that are an end: nothing runs any more. */
    private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

    /**
     * What {@link io.xsnap.host.DomainDriver#settleMigration} does on QEMU: a load still running is awaited;
     * an outgoing migration that has not ended (copying, waiting at {@code pre-switchover}, in the device
     * phase) is cancelled and its end awaited, then the capability {@code pause-before-switchover} is set
     * back to QEMU's default (the interrupted save could not put it back).
     *
     * @return what was done, or null when nothing was in flight
     */
    static String settle(QmpClient qmp, DomainInfo domain) {
        String vm = qmp.execute("query-status").path("status").asString("");
        if (vm.equals("inmigrate")) {
            awaitIncoming(qmp, domain.name(), null);
            return "waited for its memory load to end";
        }
        String status = status(qmp.execute("query-migrate"));
        if (status.isEmpty() || ENDED.contains(status)) {
            return null;
        }
        try {
            qmp.execute("migrate_cancel");
        } catch (HostException e) {
            // it may have ended between the query and the cancel: the wait below tells
        }
        JsonNode end = awaitMigration(qmp, domain, Progress.NONE, ENDED);
        ArrayNode caps = JsonNodeFactory.instance.arrayNode();
        caps.addObject().put("capability", "pause-before-switchover").put("state", false);
        qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
        return "cancelled the memory save left " + status + " (it ended " + status(end) + ")";
    }

    /**
     * QEMU's downtime of a completed migration. QEMU sets the state before it computes the downtime, so a
     * query at once may read 0: asked again (the writer has exited by now, QEMU has finished).
     */
    private static long downtime(QmpClient qmp, JsonNode completed) {
        long downtime = completed.path("downtime").asLong(-1);
        if (downtime <= 0) {
            JsonNode again = qmp.execute("query-migrate");
            if (status(again).equals("completed")) {
                downtime = again.path("downtime").asLong(downtime);
            }
        }
        return downtime;
    }

    /**
     * When a live save stopped the guest, on the {@link System#nanoTime()} scale: QEMU's STOP event carries
     * the wall-clock time of the stop (microseconds); without it, QEMU's downtime counted back from the
     * completion (or the completion itself, which undercounts).
     */
    private static long stoppedAt(QmpClient qmp, long completedAt, long downtimeMillis) {
        long fallback = downtimeMillis >= 0 ? completedAt - downtimeMillis * 1_000_000 : completedAt;
        JsonNode stop = qmp.awaitEvent("STOP", data -> true, Duration.ZERO).orElse(null);
        if (stop == null || !stop.path("timestamp").has("seconds")) {
            return fallback;
        }
        long stopMicros = stop.path("timestamp").path("seconds").asLong() * 1_000_000
                + stop.path("timestamp").path("microseconds").asLong();
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        long sinceStopNanos = (now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - stopMicros) * 1000;
        // a wall clock stepped meanwhile gives nonsense: keep QEMU's own measure then
        return sinceStopNanos >= 0 && sinceStopNanos < TIMEOUT.toNanos() ? nowNanos - sinceStopNanos : fallback;
    }

    /**
     * The migration settings a save changes, remembered so they are put back afterwards (another tool may
     * migrate this guest later): the capabilities {@code events} (MIGRATION events wake the wait for each
     * state change, instead of polling), {@code pause-before-switchover} (the disks are cut there) and, live,
     * {@code auto-converge} (a busy guest is slowed until its save can finish), and the
     * parameters {@code max-bandwidth} (QEMU's default, 128 MiB/s, throttles a save to a local file far below
     * what the disk takes) and, live, {@code downtime-limit} (QEMU switches over once it expects to send the
     * rest within it; its default of 300 ms would stop the guest that long).
     */
    private record Settings(JsonNode capabilities, JsonNode parameters) {
        /** The switch-over of a live save aims at this pause, well inside the 100 ms xsnap promises. */
        static final long LIVE_DOWNTIME_LIMIT_MS = 20;
        /** Bytes per second: unlimited in practice, and safe from overflow in QEMU's arithmetic. */
        static final long MAX_BANDWIDTH = 1L << 40;

        static Settings apply(QmpClient qmp, boolean live, boolean pauseBeforeSwitchover) {
            JsonNode capabilities = qmp.execute("query-migrate-capabilities");
            JsonNode parameters = qmp.execute("query-migrate-parameters");
            Settings before = new Settings(capabilities, parameters);
            try {
                ArrayNode caps = JsonNodeFactory.instance.arrayNode();
                caps.addObject().put("capability", "events").put("state", true);
                caps.addObject().put("capability", "pause-before-switchover").put("state", pauseBeforeSwitchover);
                // live: a guest that dirties memory faster than it is copied is slowed down until the rest fits the
                // downtime limit, instead of copying round after round until the save times out
                caps.addObject().put("capability", "auto-converge").put("state", live);
                qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
                ObjectNode set = QmpClient.args().put("max-bandwidth", MAX_BANDWIDTH);
                if (live) {
                    set.put("downtime-limit", LIVE_DOWNTIME_LIMIT_MS);
                }
                qmp.execute("migrate-set-parameters", set);
            } catch (HostException e) {
                before.restore(qmp);
                throw e;
            }
            return before;
        }

        /** Puts back what {@link #apply} changed; a failure is only logged (the save itself is done). */
        void restore(QmpClient qmp) {
            try {
                ArrayNode caps = JsonNodeFactory.instance.arrayNode();
                for (String name : List.of("events", "pause-before-switchover", "auto-converge")) {
                    caps.addObject().put("capability", name).put("state", capability(name));
                }
                qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
                ObjectNode set = QmpClient.args();
                for (String name : List.of("max-bandwidth", "downtime-limit")) {
                    if (parameters.path(name).canConvertToLong()) {
                        set.put(name, parameters.path(name).asLong());
                    }
                }
                qmp.execute("migrate-set-parameters", set);
            } catch (HostException e) {
                LOG.log(System.Logger.Level.WARNING, "could not restore the migration settings: " + e.getMessage());
            }
        }

        private boolean capability(String name) {
            for (JsonNode c : capabilities) {
                if (name.equals(c.path("capability").asString(""))) {
                    return c.path("state").asBoolean(false);
                }
            }
            return false;
        }
    }

    private static void cutAtSwitchover(QmpClient qmp, DomainInfo domain, List<DiskCut> cuts) {
        try {
            QmpBlock.snapshot(qmp, domain, cuts);
        } catch (HostException e) {
            qmp.execute("migrate_cancel");
            awaitMigration(qmp, domain, Progress.NONE, Set.of("cancelled", "failed", "completed"));
            throw new HostException(e.getMessage() + "; the memory save was cancelled", e);
        }
    }

    static String status(JsonNode migration) {
        return migration.path("status").asString("");
    }

    /** {@link #awaitMigration(QmpClient, DomainInfo, Progress, Set, boolean)}, cancelling a save that timed out. */
    private static JsonNode awaitMigration(QmpClient qmp, DomainInfo domain, Progress progress, Set<String> until) {
        return awaitMigration(qmp, domain, progress, until, true);
    }

    /**
     * Waits until the migration reaches one of {@code until}: each MIGRATION event (capability
     * {@code events}) wakes the wait at once; a poll every 50 ms covers an event that never comes and
     * reports the bytes sent to {@code progress}. After {@code TIMEOUT} it fails, first cancelling the save
     * when {@code cancelOnTimeout} (never for a background save: see {@link QmpBackgroundSave}).
     */
    static JsonNode awaitMigration(QmpClient qmp, DomainInfo domain, Progress progress, Set<String> until,
            boolean cancelOnTimeout) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            JsonNode migration = qmp.execute("query-migrate");
            JsonNode ram = migration.path("ram");
            progress.update("memory of " + domain.name(), ram.path("transferred").asLong(0), ram.path("total").asLong(0));
            if (until.contains(status(migration))) {
                return migration;
            }
            if (System.nanoTime() > deadline) {
                if (cancelOnTimeout) {
                    qmp.execute("migrate_cancel");
                }
                throw new HostException("domain " + domain.name() + ": memory save not done after "
                        + TIMEOUT.toMinutes() + " min (state " + status(migration) + ")"
                        + (cancelOnTimeout ? "; cancelled" : ""));
            }
            qmp.awaitEvent("MIGRATION", data -> true, Duration.ofMillis(50));
        }
    }

    /**
     * QEMU reports a migration completed before its {@code exec:} writer has exited (QEMU reaps it while
     * cleaning up afterwards): wait for the writer so the file is whole when we return.
     */
    static void awaitWriters(DomainInfo domain, Set<Long> before) {
        for (long child : QemuProcess.children(domain.id())) {
            if (!before.contains(child) && !QemuProcess.awaitGone(child, TIMEOUT)) {
                throw new HostException("domain " + domain.name() + ": the memory writer (pid " + child
                        + ") did not finish");
            }
        }
    }

    /** After a failed save: lets the writer end (it holds the file open), then removes the partial file. */
    private static void discardSaveFile(DomainInfo domain, Set<Long> writersBefore, Path file) {
        try {
            awaitWriters(domain, writersBefore);
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
        QemuProcess.deleteQuietly(file);
    }

    /** Polls until the incoming migration has loaded: QEMU leaves {@code inmigrate} (it exits on failure). */
    static void awaitIncoming(QmpClient qmp, String name, Path memory) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long pause = 2;
        while (qmp.execute("query-status").path("status").asString("").equals("inmigrate")) {
            if (System.nanoTime() > deadline) {
                throw new HostException("domain " + name + ": loading memory" + (memory == null ? "" : " from " + memory) + " not done after "
                        + TIMEOUT.toMinutes() + " min");
            }
            QemuProcess.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
        String migration = status(qmp.execute("query-migrate"));
        if (!migration.equals("completed")) {
            throw new HostException("domain " + name + ": loading memory" + (memory == null ? "" : " from " + memory)
                    + " ended as " + migration);
        }
    }

    /** A path in single quotes for /bin/sh; a path that holds a single quote is refused. */
    static String shellQuoted(Path path) {
        String text = path.toString();
        if (text.indexOf('\'') >= 0) {
            throw new HostException(path + ": a memory file path must not contain a single quote");
        }
        return "'" + text + "'";
    }
}
