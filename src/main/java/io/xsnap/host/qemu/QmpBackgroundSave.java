package io.xsnap.host.qemu;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.MemorySave;
import io.xsnap.host.Progress;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.host.qmp.QmpException;
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

/**
 * A live snapshot of one instant (QEMU's migration capability {@code background-snapshot}, QEMU 6.0+): the
 * guest is stopped, every disk is cut in one transaction, and {@code migrate "exec:exec cat >> 'FILE'"}
 * starts with the capability on. QEMU saves the devices, write-protects guest RAM (userfaultfd) and resumes
 * the guest by itself; each page is then written to the file before the guest first changes it. The memory
 * in the file is that of the stop, the instant the disks were cut: nothing has to converge, and a guest
 * that rewrites its memory faster than the disk takes it is slowed only by its own page faults.
 *
 * <p>QEMU refuses the capability where userfaultfd cannot protect the guest's RAM (file-backed or shared
 * memory, hugetlbfs): {@link Refused} then says so before anything changed, and the caller saves with
 * pre-copy ({@link QmpMigration}). A guest that is not running is saved the ordinary way: QEMU 7.2 resumes
 * the guest at the end of the setup whether or not it ran before.
 *
 * <p><b>A background save must complete.</b> QEMU 7.2 removes the write protection only when the save
 * completes: after {@code migrate_cancel}, or a save that failed (its writer died, the disk was full), the
 * guest's RAM stays protected with nobody to serve the faults, so the guest hangs at its next write (its
 * state still says running; seen here with a busy guest) and QEMU refuses background snapshots from then
 * on. So xsnap never cancels one: a failure after the start waits for the save to end, recovery after a
 * killed run waits for it to complete ({@link #finish}), and a store without room for the whole RAM gets a
 * pre-copy save instead, which can be cancelled.
 */
final class QmpBackgroundSave {
    private static final System.Logger LOG = System.getLogger(QmpBackgroundSave.class.getName());
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    /** How long QEMU may take from {@code migrate} to resuming the guest (device state, write protection). */
    private static final Duration RESUME_TIMEOUT = Duration.ofMinutes(2);
    static final String CAPABILITY = "background-snapshot";
    /** Capabilities QEMU refuses beside background-snapshot that xsnap's other saves turn on. */
    private static final List<String> OFF = List.of("pause-before-switchover", "auto-converge");

    private QmpBackgroundSave() {
    }

    /** QEMU refused the capability for this guest; nothing was changed. */
    static final class Refused extends HostException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Saves the running guest's memory of this instant to {@code file} (created 0600, never overwritten) and
     * cuts {@code cuts} at the same instant. The guest runs again when this returns (QEMU resumed it as soon
     * as its RAM was protected: {@link MemorySave#resumedAtNanos()}). On a failure the save is brought to its end
     * (never cancelled, see above), the guest runs on and the file is removed; when the disks were already
     * cut, the message says so.
     *
     * @throws Refused the capability is refused for this guest's memory (nothing was changed)
     */
    static MemorySave save(QmpClient qmp, DomainInfo domain, Path file, List<DiskCut> cuts, Progress progress) {
        Path target = file.toAbsolutePath().normalize();
        String uri = "exec:exec cat >> " + QmpMigration.shellQuoted(target);
        requireRoom(qmp, domain, target);
        JsonNode capabilities = qmp.execute("query-migrate-capabilities");
        JsonNode parameters = qmp.execute("query-migrate-parameters");
        enable(qmp, domain, true);
        Set<Long> writersBefore = QemuProcess.children(domain.id());
        boolean saved = false;
        boolean started = false;
        boolean cut = false;
        boolean stopped = false;
        boolean made = false;
        try {
            qmp.execute("migrate-set-parameters", QmpClient.args().put("max-bandwidth", 1L << 40));
            MemoryFile.create(target);
            made = true;
            drain(qmp, "RESUME");
            drain(qmp, "STOP");
            long stoppedAt = System.nanoTime();
            qmp.execute("stop");
            stopped = true;
            if (!cuts.isEmpty()) {
                QmpBlock.snapshot(qmp, domain, cuts);
                cut = true;
            }
            try {
                qmp.execute("migrate", QmpClient.args().put("uri", uri));
            } catch (HostException e) {
                throw failed(domain, cut, target, e.getMessage(), e);
            }
            started = true;
            long resumedAt = awaitResumed(qmp, domain, cut, target);
            JsonNode migration = QmpMigration.awaitMigration(qmp, domain, progress,
                    Set.of("completed", "failed", "cancelled"), false);
            if (!QmpMigration.status(migration).equals("completed")) {
                throw failed(domain, cut, target, migration.path("error-desc").asString(QmpMigration.status(migration)), null);
            }
            started = false;
            if (resumedAt < 0) {
                qmp.execute("cont");
                resumedAt = System.nanoTime();
            }
            QmpMigration.awaitWriters(domain, writersBefore);
            long downtime = migration.path("downtime").asLong(-1);
            long bytes = Files.size(target);
            saved = true;
            return new MemorySave(bytes, downtime, stoppedAt, resumedAt, MemorySave.Way.BACKGROUND);
        } catch (IOException e) {
            throw new HostException(target + ": " + e.getMessage(), e);
        } finally {
            if (!saved) {
                if (started) {
                    finish(qmp, domain);
                }
                try {
                    QmpMigration.awaitWriters(domain, writersBefore);
                } catch (HostException e) {
                    LOG.log(System.Logger.Level.WARNING, e.getMessage());
                }
                if (made) {
                    // a file that was there already is not this save's: it stays
                    QemuProcess.deleteQuietly(target);
                }
                if (stopped) {
                    resumeQuietly(qmp, domain);
                }
            }
            restore(qmp, capabilities, parameters);
        }
    }

    /**
     * Turns the capability on (or off) with the ones it excludes off. QEMU checks at this point whether
     * userfaultfd can protect every RAM block: its refusal becomes {@link Refused}.
     */
    private static void enable(QmpClient qmp, DomainInfo domain, boolean on) {
        ArrayNode caps = JsonNodeFactory.instance.arrayNode();
        if (on) {
            for (String name : OFF) {
                caps.addObject().put("capability", name).put("state", false);
            }
            caps.addObject().put("capability", "events").put("state", true);
        }
        caps.addObject().put("capability", CAPABILITY).put("state", on);
        try {
            qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
        } catch (QmpException e) {
            if (on) {
                throw new Refused("domain " + domain.name() + ": QEMU cannot save its memory of one instant in the "
                        + "background: " + e.desc(), e);
            }
            throw e;
        }
    }

    /** Puts back the capabilities and parameters found before; a failure is only logged. */
    private static void restore(QmpClient qmp, JsonNode capabilities, JsonNode parameters) {
        try {
            ArrayNode caps = JsonNodeFactory.instance.arrayNode();
            // background-snapshot first off: QEMU refuses the others beside it
            caps.addObject().put("capability", CAPABILITY).put("state", false);
            qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
            caps = JsonNodeFactory.instance.arrayNode();
            for (JsonNode c : capabilities) {
                String name = c.path("capability").asString("");
                if (name.equals("events") || OFF.contains(name) || name.equals(CAPABILITY)) {
                    caps.addObject().put("capability", name).put("state", c.path("state").asBoolean(false));
                }
            }
            qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities", caps));
            if (parameters.path("max-bandwidth").canConvertToLong()) {
                qmp.execute("migrate-set-parameters", QmpClient.args().put("max-bandwidth",
                        parameters.path("max-bandwidth").asLong()));
            }
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, "could not restore the migration settings: " + e.getMessage());
        }
    }

    private static HostException failed(DomainInfo domain, boolean cut, Path target, String why, Throwable cause) {
        return new HostException("domain " + domain.name() + ": " + (cut ? "the disks were cut, but " : "")
                + "saving memory to " + target + " failed: " + why, cause);
    }

    /**
     * Waits for QEMU to resume the guest (its RESUME event) and returns when that was on the
     * {@link System#nanoTime()} scale, or -1 when the save completed with the guest still stopped. A
     * migration that failed before it resumed the guest is a failed save.
     */
    private static long awaitResumed(QmpClient qmp, DomainInfo domain, boolean cut, Path target) {
        long deadline = System.nanoTime() + RESUME_TIMEOUT.toNanos();
        while (true) {
            JsonNode resume = qmp.awaitEvent("RESUME", data -> true, Duration.ofMillis(20)).orElse(null);
            if (resume != null) {
                return nanoTimeOf(resume, System.nanoTime());
            }
            JsonNode migration = qmp.execute("query-migrate");
            String status = QmpMigration.status(migration);
            if (status.equals("failed") || status.equals("cancelled")) {
                throw failed(domain, cut, target, migration.path("error-desc").asString(status), null);
            }
            boolean running = qmp.execute("query-status").path("running").asBoolean(false);
            if (running) {
                // resumed, but the event was missed: count from now (overcounts a little)
                return System.nanoTime();
            }
            if (status.equals("completed")) {
                // QEMU 7.2 resumes the guest from a bottom half of its main loop, and drops that when the save
                // completes first (a small guest on a busy host; seen here): the save resumes it then
                return -1;
            }
            if (System.nanoTime() > deadline) {
                throw failed(domain, cut, target, "QEMU did not resume the guest within "
                        + RESUME_TIMEOUT.toSeconds() + " s (state " + status + ")", null);
            }
        }
    }

    /** An event's QEMU wall-clock timestamp on the {@link System#nanoTime()} scale, or {@code fallback}. */
    static long nanoTimeOf(JsonNode event, long fallback) {
        JsonNode ts = event.path("timestamp");
        if (!ts.has("seconds")) {
            return fallback;
        }
        long micros = ts.path("seconds").asLong() * 1_000_000 + ts.path("microseconds").asLong();
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        long sinceNanos = (now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - micros) * 1000;
        // a wall clock stepped meanwhile gives nonsense
        return sinceNanos >= 0 && sinceNanos < TIMEOUT.toNanos() ? nowNanos - sinceNanos : fallback;
    }

    /** Drops queued events of this kind, so the next one is new. */
    private static void drain(QmpClient qmp, String event) {
        while (qmp.awaitEvent(event, data -> true, Duration.ZERO).isPresent()) {
            // dropped
        }
    }

    /** A failed save never leaves the guest stopped: as after a cancelled pre-copy, it runs on. */
    private static void resumeQuietly(QmpClient qmp, DomainInfo domain) {
        try {
            if (!qmp.execute("query-status").path("running").asBoolean(false)) {
                qmp.execute("cont");
            }
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, "domain " + domain.name() + ": could not resume after the failed "
                    + "save: " + e.getMessage() + " (the journal keeps the pause; the next run resumes it)");
        }
    }

    /**
     * Brings a background save that runs to its end without cancelling it (see the class comment): the
     * bandwidth limit lifted, then a wait for its final state. A save that did not complete is reported
     * loudly: the guest is then hung until QEMU is restarted.
     *
     * @return the final state
     */
    static String finish(QmpClient qmp, DomainInfo domain) {
        try {
            qmp.execute("migrate-set-parameters", QmpClient.args().put("max-bandwidth", 1L << 40));
            String end = QmpMigration.status(QmpMigration.awaitMigration(qmp, domain, Progress.NONE,
                    Set.of("cancelled", "failed", "completed"), false));
            if (!end.equals("completed")) {
                LOG.log(System.Logger.Level.ERROR, "domain " + domain.name() + ": its background memory save ended "
                        + end + "; QEMU 7.2 leaves the guest's RAM write-protected then, so the guest may hang at its "
                        + "next write to memory: restart the domain");
            }
            return end;
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, "domain " + domain.name() + ": could not wait for the memory save: "
                    + e.getMessage());
            return "";
        }
    }

    /** Whether the migration QEMU runs now is a background save (its capability is on). */
    static boolean running(JsonNode capabilities) {
        for (JsonNode c : capabilities) {
            if (CAPABILITY.equals(c.path("capability").asString(""))) {
                return c.path("state").asBoolean(false);
            }
        }
        return false;
    }

    /** Turns the capability off again after recovery waited for a save a killed run left (it set it on). */
    static void disable(QmpClient qmp, DomainInfo domain) {
        try {
            enable(qmp, domain, false);
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, "could not restore the migration settings: " + e.getMessage());
        }
    }

    /**
     * A background save cannot be cancelled, so a store that could fill up during it gets pre-copy instead:
     * the file takes at most the guest's RAM and a little device state.
     */
    private static void requireRoom(QmpClient qmp, DomainInfo domain, Path target) {
        JsonNode size = qmp.execute("query-memory-size-summary");
        long ram = size.path("base-memory").asLong(0) + size.path("plugged-memory").asLong(0);
        long needed = ram + (64L << 20);
        try {
            Path dir = target.getParent();
            while (dir != null && !Files.exists(dir)) {
                dir = dir.getParent();
            }
            long free = dir == null ? Long.MAX_VALUE : Files.getFileStore(dir).getUsableSpace();
            if (free < needed) {
                throw new Refused("domain " + domain.name() + ": the store has " + (free >> 20) + " MiB free, a "
                        + "background save of " + (ram >> 20) + " MiB of RAM needs " + (needed >> 20)
                        + " MiB and cannot be cancelled if the disk fills up", null);
            }
        } catch (IOException e) {
            throw new HostException(target + ": cannot read the free space: " + e.getMessage(), e);
        }
    }

}
