package io.xsnap.host.qemu;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.Progress;
import io.xsnap.host.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Guest memory to and from a file with QMP migration: {@code migrate "exec:cat > 'FILE'"} to save,
 * {@code -incoming "exec:cat 'FILE'"} to load (QEMU 7.2 has no {@code file:} migration). The file holds
 * QEMU's migration stream, which starts with "QEVM".
 */
final class QmpMigration {
    private static final System.Logger LOG = System.getLogger(QmpMigration.class.getName());
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private QmpMigration() {
    }

    /**
     * Saves the guest's memory to {@code file} (created 0600 in a 0700 directory; an existing file is never
     * overwritten) and returns the bytes written. Not live: the guest must not be running. Live: memory is
     * copied while it runs.
     *
     * <p>With cuts, the migration pauses before the switch-over (capability pause-before-switchover): the
     * guest is stopped, its disks still active, and the disk transaction runs there; then the migration
     * finishes. If the transaction fails the migration is cancelled (a live guest runs on), the file is
     * removed and no disk changed. QEMU stops the guest at the end and deactivates its disks until
     * {@code cont}.
     */
    static long save(QmpClient qmp, DomainInfo domain, Path file, boolean live, List<DiskCut> cuts, Progress progress) {
        Path target = file.toAbsolutePath().normalize();
        String uri = "exec:cat > " + shellQuoted(target);
        String status = qmp.execute("query-status").path("status").asString("");
        if (status.equals("postmigrate")) {
            throw new HostException("domain " + domain.name() + ": QEMU cannot save memory again before the "
                    + "guest has run since its last save (state postmigrate): resume it first");
        }
        if (!live && status.equals("running")) {
            throw new HostException("domain " + domain.name() + " is running: pause it before saving memory "
                    + "(or save live)");
        }
        MemoryFile.create(target);
        boolean saved = false;
        Set<Long> writersBefore = QemuProcess.children(domain.id());
        try {
            qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities",
                    capability("pause-before-switchover", !cuts.isEmpty())));
            qmp.execute("migrate", QmpClient.args().put("uri", uri));
            JsonNode migration = awaitMigration(qmp, domain, progress, Set.of("pre-switchover", "completed", "failed",
                    "cancelled"));
            boolean cut = status(migration).equals("pre-switchover");
            if (cut) {
                cutAtSwitchover(qmp, domain, cuts);
                qmp.execute("migrate-continue", QmpClient.args().put("state", "pre-switchover"));
                migration = awaitMigration(qmp, domain, progress, Set.of("completed", "failed", "cancelled"));
            }
            if (!status(migration).equals("completed")) {
                throw new HostException("domain " + domain.name() + ": " + (cut ? "the disks were cut, but " : "")
                        + "saving memory to " + target + " failed: "
                        + migration.path("error-desc").asString(status(migration)));
            }
            awaitWriters(domain, writersBefore);
            long bytes = Files.size(target);
            saved = true;
            return bytes;
        } catch (IOException e) {
            throw new HostException(target + ": " + e.getMessage(), e);
        } finally {
            if (!saved) {
                discardSaveFile(domain, writersBefore, target);
            }
            if (!cuts.isEmpty()) {
                resetSwitchoverPause(qmp);
            }
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

    private static ArrayNode capability(String name, boolean state) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        list.addObject().put("capability", name).put("state", state);
        return list;
    }

    private static void resetSwitchoverPause(QmpClient qmp) {
        try {
            qmp.execute("migrate-set-capabilities", QmpClient.args().set("capabilities",
                    capability("pause-before-switchover", false)));
        } catch (HostException e) {
            LOG.log(System.Logger.Level.WARNING, "could not reset pause-before-switchover: " + e.getMessage());
        }
    }

    private static String status(JsonNode migration) {
        return migration.path("status").asString("");
    }

    private static JsonNode awaitMigration(QmpClient qmp, DomainInfo domain, Progress progress, Set<String> until) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long pause = 2;
        while (true) {
            JsonNode migration = qmp.execute("query-migrate");
            JsonNode ram = migration.path("ram");
            progress.update("memory of " + domain.name(), ram.path("transferred").asLong(0), ram.path("total").asLong(0));
            if (until.contains(status(migration))) {
                return migration;
            }
            if (System.nanoTime() > deadline) {
                qmp.execute("migrate_cancel");
                throw new HostException("domain " + domain.name() + ": memory save not done after "
                        + TIMEOUT.toMinutes() + " min (state " + status(migration) + "); cancelled");
            }
            QemuProcess.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
    }

    /**
     * QEMU reports a migration completed before its {@code exec:} writer has exited (QEMU reaps it while
     * cleaning up afterwards): wait for the writer so the file is whole when we return.
     */
    private static void awaitWriters(DomainInfo domain, Set<Long> before) {
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
                throw new HostException("domain " + name + ": loading memory from " + memory + " not done after "
                        + TIMEOUT.toMinutes() + " min");
            }
            QemuProcess.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
        String migration = status(qmp.execute("query-migrate"));
        if (!migration.equals("completed")) {
            throw new HostException("domain " + name + ": loading memory from " + memory + " ended as " + migration);
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
