package io.xsnap.host.qemu;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemorySave;
import io.xsnap.host.Progress;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.TrustedState;
import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.ProcessRunner;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.host.qmp.QmpException;
import io.xsnap.host.qmp.QmpUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plain QEMU guests driven through QMP. A domain is a QEMU process started with
 * {@code -name N -qmp unix:DIR/N.qmp,server=on,wait=off -pidfile DIR/N.pid -daemonize}, its disks given as
 * {@code -drive id=<vdev>,file=...,format=...}: QMP addresses each disk by its device name, the vdev.
 *
 * <p>Each operation connects to the domain's monitor for its own duration only (QEMU serves one client
 * per socket). Memory goes to a file through {@code migrate exec:exec cat >> 'FILE'} and comes back with
 * {@code -incoming "exec:cat 'FILE'"} (QEMU 7.2 has no {@code file:} migration).
 */
public final class QemuDriver implements DomainDriver {
    private static final System.Logger LOG = System.getLogger(QemuDriver.class.getName());
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration JOB_TIMEOUT = Duration.ofHours(6);
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    /** Migration states in which a save still runs (query-migrate). */
    private static final java.util.Set<String> MIGRATING = java.util.Set.of("setup", "active", "pre-switchover",
            "device", "cancelling", "wait-unplug");

    private final Path dir;
    private final ProcessRunner runner;
    private final Duration qmpTimeout;
    private final Duration quitTimeout;
    private final TrustedState trust;
    private Progress progress = Progress.NONE;

    /**
     * @param dir    where the guests keep N.qmp and N.pid (the CLI's --qemu-dir)
     * @param runner starts QEMU in {@link #start}
     */
    public QemuDriver(Path dir, ProcessRunner runner) {
        this(dir, runner, QMP_TIMEOUT, QUIT_TIMEOUT, null);
    }

    /**
     * @param made where the records of the files xsnap makes outside the store live ({@link TrustedState#storeDir});
     *             null: in {@code dir/trust} with the rest (gone with a reboot)
     */
    public QemuDriver(Path dir, ProcessRunner runner, Path made) {
        this(dir, runner, QMP_TIMEOUT, QUIT_TIMEOUT, made);
    }

    QemuDriver(Path dir, ProcessRunner runner, Duration qmpTimeout, Duration quitTimeout) {
        this(dir, runner, qmpTimeout, quitTimeout, null);
    }

    /**
     * @param qmpTimeout  how long to wait for a monitor's greeting and for each reply
     * @param quitTimeout how long {@link #destroy} waits after {@code quit} before SIGKILL
     */
    QemuDriver(Path dir, ProcessRunner runner, Duration qmpTimeout, Duration quitTimeout, Path made) {
        this.dir = dir.toAbsolutePath().normalize();
        this.runner = runner;
        this.qmpTimeout = qmpTimeout;
        this.quitTimeout = quitTimeout;
        this.trust = made == null ? new TrustedState(this.dir.resolve("trust"))
                : new TrustedState(this.dir.resolve("trust"), made);
    }

    @Override
    public String name() {
        return "qemu";
    }

    /**
     * Every DIR/N.pid whose process is alive, is a QEMU named N, and whose DIR/N.qmp answers, sorted by
     * name. A monitor held by another client makes this fail rather than hide the domain.
     */
    @Override
    public List<DomainInfo> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<DomainInfo> domains = new ArrayList<>();
        try (DirectoryStream<Path> pidFiles = Files.newDirectoryStream(dir, "*.pid")) {
            for (Path pidFile : pidFiles) {
                String file = pidFile.getFileName().toString();
                String name = file.substring(0, file.length() - ".pid".length());
                Long pid = QemuProcess.readPidFile(pidFile).orElse(null);
                if (pid == null || !QemuProcess.isQemuNamed(pid, name)) {
                    continue;
                }
                try (QmpClient qmp = QmpClient.connect(socket(name), qmpTimeout)) {
                    domains.add(describe(name, pid, qmp));
                } catch (QmpUnreachableException e) {
                    // not (or no longer) serving a monitor at the conventional place: not a domain of ours
                }
            }
        } catch (IOException e) {
            throw new HostException(dir + ": cannot list: " + e.getMessage(), e);
        }
        domains.sort(Comparator.comparing(DomainInfo::name));
        return domains;
    }

    private DomainInfo describe(String name, long pid, QmpClient qmp) {
        RunState state = runState(qmp.execute("query-status"));
        return new DomainInfo(name, name(), pid, state, QmpBlock.disks(qmp.execute("query-block")));
    }

    /** QEMU's run state in xsnap's words: every stopped-but-resumable state is PAUSED. */
    static RunState runState(JsonNode queryStatus) {
        String status = queryStatus.path("status").asString("");
        return switch (status) {
            case "running" -> RunState.RUNNING;
            case "shutdown" -> RunState.SHUTDOWN;
            case "guest-panicked", "internal-error" -> RunState.CRASHED;
            case "paused", "prelaunch", "inmigrate", "postmigrate", "finish-migrate", "save-vm", "restore-vm",
                 "suspended", "debug", "watchdog", "io-error", "colo" -> RunState.PAUSED;
            default -> queryStatus.path("running").asBoolean(false) ? RunState.RUNNING : RunState.PAUSED;
        };
    }

    @Override
    public void pause(DomainInfo domain) {
        try (QmpClient qmp = open(domain)) {
            qmp.execute("stop");
        }
    }

    @Override
    public void resume(DomainInfo domain) {
        try (QmpClient qmp = open(domain)) {
            qmp.execute("cont");
        }
    }

    @Override
    public String settleMigration(DomainInfo domain) {
        try (QmpClient qmp = open(domain)) {
            if (QmpBackgroundSave.running(qmp.execute("query-migrate-capabilities"))) {
                // a background save is never cancelled: QEMU 7.2 leaves a cancelled one's guest hung (QmpBackgroundSave)
                String migration = qmp.execute("query-migrate").path("status").asString("");
                if (MIGRATING.contains(migration)) {
                    QmpBackgroundSave.finish(qmp, domain);
                }
                QmpBackgroundSave.disable(qmp, domain);
                if (MIGRATING.contains(migration)) {
                    return "waited for the background memory save left " + migration + " to complete";
                }
            }
            return QmpMigration.settle(qmp, domain);
        }
    }

    /**
     * A QEMU that an interrupted {@link #start} left daemonizing has no pid file yet, or one but no monitor: the
     * list hides it, and a recovery that started the domain again would write the images it has open. Waits
     * (up to the start timeout) until no process with this domain's {@code -pidfile} runs, or the one in the pid
     * file serves its monitor.
     */
    @Override
    public void awaitStarting(String name) {
        checkName(name);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String pidFile = pidFile(name).toString();
        while (true) {
            List<Long> starting = QemuProcess.withArgument("-pidfile", pidFile);
            if (starting.isEmpty()) {
                return;
            }
            Long pid = QemuProcess.readPidFile(pidFile(name)).orElse(null);
            if (pid != null && starting.size() == 1 && starting.get(0).equals(pid)) {
                try (QmpClient qmp = QmpClient.connect(socket(name), qmpTimeout)) {
                    return;
                } catch (QmpUnreachableException e) {
                    // its monitor is not up yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new HostException("domain " + name + ": the QEMU an interrupted run started (pid " + starting
                        + ") neither came up nor exited within " + START_TIMEOUT.toSeconds() + " s");
            }
            QemuProcess.sleep(20);
        }
    }

    /**
     * The guest's RAM ({@code query-memory-size-summary}: base and hot-plugged) plus what the stream adds:
     * 8 bytes of framing per 4 KiB page (rounded up to 1/256) and 4 MiB for the device state and its
     * description.
     */
    @Override
    public long memorySaveBound(DomainInfo domain) {
        try (QmpClient qmp = open(domain)) {
            JsonNode summary = qmp.execute("query-memory-size-summary");
            long ram = summary.path("base-memory").asLong(0) + summary.path("plugged-memory").asLong(0);
            return ram + ram / 256 + (4L << 20);
        }
    }

    /**
     * Migrates the guest into {@code file} (see {@link QmpMigration#save}). QEMU stops the guest at the end;
     * its disks are inactive until {@code cont}.
     */
    @Override
    public MemorySave saveMemory(DomainInfo domain, Path file, boolean live) {
        return save(domain, file, live, List.of(), false);
    }

    @Override
    public void progress(Progress progress) {
        this.progress = progress;
    }

    /**
     * Live on a running guest: the memory of one instant, saved in the background
     * ({@link QmpBackgroundSave}), the disks cut at that instant; QEMU resumes the guest as soon as its RAM
     * is write-protected. Where QEMU refuses that for the guest's memory (file-backed or shared RAM),
     * pre-copy ({@link QmpMigration}). Not live: the guest stops, QEMU writes its RAM while the disks are cut,
     * and the save continues the guest it stopped as soon as the file is written ({@link QmpMigration#save}). A guest whose migration QEMU blocks (e.g. a VFIO device) is refused before
     * anything changes.
     */
    @Override
    public MemorySave saveMemoryAndSnapshotDisks(DomainInfo domain, Path file, boolean live, List<DiskCut> cuts) {
        return save(domain, file, live, cuts, true);
    }

    /**
     * @param resume a running guest that a save not live stops is continued by the save itself once memory
     *               and disks are taken (a snapshot); {@link #saveMemory} leaves it stopped, as its contract says
     */
    private MemorySave save(DomainInfo domain, Path file, boolean live, List<DiskCut> cuts, boolean resume) {
        QmpBlock.checkCuts(domain, cuts);
        try (QmpClient qmp = open(domain)) {
            refuseBlocked(qmp, domain);
            if (live && qmp.execute("query-status").path("status").asString("").equals("running")) {
                try {
                    return QmpBackgroundSave.save(qmp, domain, file, cuts, progress);
                } catch (QmpBackgroundSave.Refused e) {
                    LOG.log(System.Logger.Level.INFO, e.getMessage() + "; saving with pre-copy");
                }
            }
            return QmpMigration.save(qmp, domain, file, live, cuts, progress, resume)
                    .with(live ? MemorySave.Way.PRE_COPY : MemorySave.Way.STOPPED);
        }
    }

    /** QEMU lists why it cannot migrate this guest (a VFIO device, ...): no memory save can work then. */
    private static void refuseBlocked(QmpClient qmp, DomainInfo domain) {
        JsonNode reasons = qmp.execute("query-migrate").path("blocked-reasons");
        if (reasons.isArray() && !reasons.isEmpty()) {
            List<String> why = new ArrayList<>();
            reasons.forEach(r -> why.add(r.asString("")));
            throw new HostException("domain " + domain.name() + ": QEMU cannot save its memory, live or not: "
                    + String.join("; ", why) + " (take a disk-only snapshot: memory: false)");
        }
    }

    @Override
    public void snapshotDisks(DomainInfo domain, List<DiskCut> cuts) {
        if (cuts.isEmpty()) {
            return;
        }
        QmpBlock.checkCuts(domain, cuts);
        try (QmpClient qmp = open(domain)) {
            String status = qmp.execute("query-status").path("status").asString("");
            if (status.equals("postmigrate") || status.equals("inmigrate")) {
                throw new HostException("domain " + domain.name() + ": its disks are inactive after a memory "
                        + "save (state " + status + "): resume it before cutting disks, or cut them with the save");
            }
            QmpBlock.snapshot(qmp, domain, cuts);
        }
    }

    @Override
    public void deleteInternalSnapshot(DomainInfo domain, DiskInfo disk, String tag) {
        String where = "domain " + domain.name() + " disk " + disk.vdev();
        requireNode(where, disk);
        try (QmpClient qmp = open(domain)) {
            qmp.execute("blockdev-snapshot-delete-internal-sync",
                    QmpClient.args().put("device", disk.node()).put("name", tag));
        } catch (QmpException e) {
            throw new HostException(where + ": deleting internal snapshot " + tag + " failed: " + e.desc(), e);
        }
    }

    /**
     * {@code block-commit} of {@code top} into {@code base} (the file directly below it). When top is the
     * active layer the job is completed once ready, and the guest then writes {@code base}; otherwise the
     * layer above top gets base as its backing file (written as an absolute path).
     */
    @Override
    public void commitLayer(DomainInfo domain, DiskInfo disk, Path top, Path base) {
        String where = "domain " + domain.name() + " disk " + disk.vdev();
        requireNode(where, disk);
        try (QmpClient qmp = open(domain)) {
            List<Path> chain = QmpBlock.chain(qmp, disk.node());
            int t = QmpBlock.indexOf(chain, top);
            if (t < 0 || QmpBlock.indexOf(chain, base) != t + 1) {
                throw new HostException(where + ": " + base + " is not directly below " + top + " in the chain "
                        + chain);
            }
            String job = jobId("commit", disk);
            ObjectNode args = QmpClient.args().put("job-id", job).put("device", disk.node())
                    .put("base", chain.get(t + 1).toString()).put("auto-dismiss", false);
            if (t > 0) {
                args.put("top", chain.get(t).toString());
            }
            String what = where + ": commit of " + top + " into " + base;
            runJob(qmp, "block-commit", args, job, what);
            List<Path> after = QmpBlock.chain(qmp, disk.node());
            if (after.size() != chain.size() - 1 || QmpBlock.indexOf(after, top) >= 0
                    || QmpBlock.indexOf(after, base) != t) {
                throw new HostException(what + ": the chain is now " + after + ", expected " + without(chain, t));
            }
        }
    }

    /**
     * {@code block-stream} of {@code removed} (and nothing else) into {@code above}, the file directly on
     * top of it; afterwards above's backing file is {@code newBase}, which must be the one below removed.
     */
    @Override
    public void streamLayer(DomainInfo domain, DiskInfo disk, Path above, Path removed, Path newBase) {
        String where = "domain " + domain.name() + " disk " + disk.vdev();
        requireNode(where, disk);
        try (QmpClient qmp = open(domain)) {
            List<Path> chain = QmpBlock.chain(qmp, disk.node());
            int a = QmpBlock.streamShape(where, chain, above, removed, newBase);
            String job = jobId("stream", disk);
            String device = a == 0 ? disk.node() : QmpBlock.nodeName(qmp, chain.get(a));
            ObjectNode args = QmpClient.args().put("job-id", job).put("device", device).put("auto-dismiss", false);
            if (newBase != null) {
                args.put("base", chain.get(a + 2).toString());
            }
            String what = where + ": stream of " + removed + " into " + above;
            runJob(qmp, "block-stream", args, job, what);
            List<Path> after = QmpBlock.chain(qmp, disk.node());
            if (!after.equals(without(chain, a + 1))) {
                throw new HostException(what + ": the chain is now " + after + ", expected " + without(chain, a + 1));
            }
        }
    }

    /** Completes or dismisses every {@code xsnap-} block job still in the domain, waiting for running ones. */
    @Override
    public boolean settleJobs(DomainInfo domain) {
        boolean any = false;
        try (QmpClient qmp = open(domain)) {
            for (JsonNode job : qmp.execute("query-jobs")) {
                String id = job.path("id").asString("");
                if (id.startsWith("xsnap-")) {
                    QmpBlock.awaitJob(qmp, id, "domain " + domain.name() + ": block job " + id
                            + " left by an interrupted run", JOB_TIMEOUT);
                    any = true;
                }
            }
        }
        return any;
    }

    private void runJob(QmpClient qmp, String command, ObjectNode args, String job, String what) {
        try {
            qmp.execute(command, args);
        } catch (QmpException e) {
            throw new HostException(what + " could not start: " + e.desc(), e);
        }
        QmpBlock.awaitJob(qmp, job, what, JOB_TIMEOUT, progress);
    }

    private static List<Path> without(List<Path> chain, int index) {
        List<Path> copy = new ArrayList<>(chain);
        copy.remove(index);
        return copy;
    }

    private static String jobId(String kind, DiskInfo disk) {
        return "xsnap-" + kind + "-" + disk.vdev() + "-" + Long.toString(System.nanoTime(), 36);
    }

    private static void requireNode(String where, DiskInfo disk) {
        if (disk.node() == null) {
            throw new HostException(where + ": has no QEMU device name (attached with -blockdev?)");
        }
    }

    /** The guest's command line as QEMU got it (/proc/PID/cmdline). */
    @Override
    public RestartRecipe restartRecipe(DomainInfo domain) {
        requireRunning(domain);
        return new RestartRecipe(QemuProcess.cmdline(domain.id()), null);
    }

    /** {@code <qemu-dir>/trust}: the qemu-dir is trusted already (pid files and monitors live there). */
    @Override
    public TrustedState trustedState() {
        return trust;
    }

    /**
     * The stored recipe's command line must be the one the domain runs with now (its /proc/PID/cmdline) or ran with
     * when xsnap stopped it (its anchor), but for what {@link QemuArgv#comparable} leaves out; that observed command
     * line is returned.
     */
    @Override
    public RestartRecipe vouchedRecipe(String name, RestartRecipe stored, Path record) {
        checkName(name);
        Long pid = QemuProcess.readPidFile(pidFile(name)).orElse(null);
        List<String> observed;
        String seen;
        if (pid != null && QemuProcess.isQemuNamed(pid, name)) {
            observed = QemuProcess.cmdline(pid);
            seen = "the command line " + name + " runs with (pid " + pid + ")";
        } else {
            observed = trust.anchor(name).map(TrustedState.Anchor::argv).orElseThrow(() -> new HostException(record
                    + ": restart.argv cannot be trusted: xsnap did not see " + name + " stop (no record in " + trust.dir()
                    + "); start " + name + " and run again"));
            seen = "the command line " + name + " ran with when xsnap stopped it (" + trust.dir() + ")";
        }
        if (observed.isEmpty()) {
            throw new HostException(record + ": restart.argv cannot be checked: " + seen + " is unknown; start " + name
                    + " and run again; nothing was changed");
        }
        String diff = QemuArgv.difference(observed, stored == null ? List.of() : stored.argv(), name, dir);
        if (diff != null) {
            throw new HostException(record + " is damaged: restart.argv differs from " + seen + ": " + diff
                    + "; nothing was changed");
        }
        return new RestartRecipe(observed, null);
    }

    /**
     * Records the domain first ({@link #anchor}: its disks' chains as QEMU holds them, its /proc/PID/cmdline), then QMP
     * {@code quit}, waits for the process to end; if it does not, SIGKILL.
     */
    @Override
    public void destroy(DomainInfo domain) {
        long pid = domain.id();
        if (!QemuProcess.isQemuNamed(pid, domain.name())) {
            return;
        }
        recordAnchor(domain);
        try (QmpClient qmp = QmpClient.connect(socket(domain.name()), qmpTimeout)) {
            qmp.execute("quit");
        } catch (HostException e) {
            // the monitor is gone or hung: the wait below decides
        }
        if (QemuProcess.awaitGone(pid, quitTimeout)) {
            return;
        }
        if (QemuProcess.isQemuNamed(pid, domain.name())) {
            LOG.log(System.Logger.Level.WARNING, "domain " + domain.name() + " (pid " + pid + ") did not quit within "
                    + quitTimeout.toMillis() + " ms; killing it with SIGKILL");
            QemuProcess.kill(pid);
        }
        if (!QemuProcess.awaitGone(pid, KILL_TIMEOUT)) {
            throw new HostException("domain " + domain.name() + " (pid " + pid + ") did not quit and survived SIGKILL");
        }
        QemuProcess.deleteQuietly(pidFile(domain.name()));
        QemuProcess.deleteQuietly(socket(domain.name()));
    }

    /**
     * Starts QEMU from the recipe: each listed drive's {@code file=} replaced (its format becomes qcow2 when
     * the new file is a qcow2 image), the driver's {@code -name}, {@code -qmp}, {@code -pidfile} and
     * {@code -daemonize} set. With memory the guest loads it through {@code -incoming} and is held with
     * {@code -S} until the load completes, then continued unless {@code paused}.
     */
    @Override
    public DomainInfo start(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory,
                            boolean paused) {
        checkName(name);
        if (recipe.argv().isEmpty()) {
            throw new HostException("domain " + name + ": the restart recipe has no QEMU command line");
        }
        Long running = QemuProcess.readPidFile(pidFile(name)).orElse(null);
        if (running != null && QemuProcess.isQemuNamed(running, name)) {
            throw new HostException("domain " + name + " is already running (pid " + running + ")");
        }
        List<String> argv = recipe.argv();
        for (Map.Entry<String, Path> entry : new TreeMap<>(diskFiles).entrySet()) {
            argv = withDiskFile(name, argv, entry.getKey(), entry.getValue().toAbsolutePath().normalize());
        }
        String incoming = null;
        if (memory != null) {
            Path saved = memory.toAbsolutePath().normalize();
            if (!Files.isRegularFile(saved)) {
                throw new HostException("domain " + name + ": no memory file " + saved);
            }
            incoming = "exec:cat " + QmpMigration.shellQuoted(saved);
        }
        argv = QemuArgv.forDaemon(argv, name, dir, incoming, memory != null || paused);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new HostException(dir + ": cannot create: " + e.getMessage(), e);
        }
        QemuProcess.deleteQuietly(pidFile(name));
        QemuProcess.deleteQuietly(socket(name));
        runner.run(Command.of(argv).withTimeout(START_TIMEOUT));
        long pid = QemuProcess.readPidFile(pidFile(name))
                .orElseThrow(() -> exitedAfterStart(name, memory, null));
        try (QmpClient qmp = QmpClient.connect(socket(name), qmpTimeout)) {
            if (memory != null) {
                QmpMigration.awaitIncoming(qmp, name, memory);
                if (!paused) {
                    qmp.execute("cont");
                }
            }
            DomainInfo started = describe(name, pid, qmp);
            trust.removeAnchor(name);
            return started;
        } catch (HostException e) {
            // a QEMU that failed to load the memory may still be exiting when its monitor drops us
            if (!QemuProcess.alive(pid) || QemuProcess.awaitGone(pid, Duration.ofSeconds(2))) {
                throw exitedAfterStart(name, memory, e);
            }
            throw e;
        }
    }

    /** What xsnap saw of a domain it is about to change or stop, from QEMU itself: never from the store. */
    @Override
    public void recordAnchor(DomainInfo domain) {
        List<Path> files = new ArrayList<>();
        try (QmpClient qmp = QmpClient.connect(socket(domain.name()), qmpTimeout)) {
            for (DiskInfo disk : QmpBlock.disks(qmp.execute("query-block"))) {
                files.addAll(disk.node() == null ? List.of(disk.path()) : QmpBlock.chain(qmp, disk.node()));
            }
        } catch (HostException e) {
            // no monitor to ask: the disks the caller observed, without their backing files
            domain.disks().forEach(d -> files.add(d.path()));
        }
        trust.writeAnchor(new TrustedState.Anchor(domain.name(), files.stream().map(f -> f.toAbsolutePath().normalize())
                .distinct().toList(), QemuProcess.cmdline(domain.id()), null, null, null));
    }

    /** The source's command line with the clone's name, fresh locally administered MACs and a fresh {@code -uuid}. */
    @Override
    public RestartRecipe cloneRecipe(RestartRecipe source, String name, Map<String, Path> diskFiles) {
        checkName(name);
        if (source.argv().isEmpty()) {
            throw new HostException("domain " + name + ": the source's recipe has no QEMU command line");
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        List<String> argv = QemuArgv.forClone(source.argv(), name, dir, () -> freshMac(random),
                java.util.UUID.randomUUID().toString());
        for (Map.Entry<String, Path> entry : new TreeMap<>(diskFiles).entrySet()) {
            argv = QemuArgv.withDrive(argv, entry.getKey(), entry.getValue().toAbsolutePath().normalize(), "qcow2");
        }
        return new RestartRecipe(argv, null);
    }

    /** A unicast, locally administered MAC address (first octet x2, x6, xA or xE). */
    public static String freshMac(java.util.Random random) {
        byte[] b = new byte[6];
        random.nextBytes(b);
        b[0] = (byte) ((b[0] & 0xfc) | 0x02);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    private static HostException exitedAfterStart(String name, Path memory, HostException cause) {
        return new HostException("domain " + name + ": QEMU exited right after starting" + (memory == null ? ""
                : ", while loading memory from " + memory + " (a damaged file, or devices that differ from the "
                + "saved guest's)"), cause);
    }

    private static List<String> withDiskFile(String name, List<String> argv, String vdev, Path file) {
        QemuArgv.Drive drive = QemuArgv.drives(argv).stream().filter(d -> d.id().equals(vdev)).findFirst()
                .orElseThrow(() -> new HostException("domain " + name + ": its command line has no -drive id="
                        + vdev));
        if (drive.file() != null && QmpBlock.sameFile(Path.of(drive.file()), file)) {
            return argv;
        }
        String format;
        if (hasQcow2Magic(file)) {
            format = "qcow2";
        } else if ("raw".equals(drive.format())) {
            format = "raw";
        } else {
            throw new HostException("domain " + name + " disk " + vdev + ": " + file + " is not a qcow2 image and the "
                    + "drive's format is " + drive.format() + "; refusing to guess");
        }
        return QemuArgv.withDrive(argv, vdev, file, format);
    }

    private static boolean hasQcow2Magic(Path file) {
        byte[] head = new byte[QCOW2_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, QCOW2_MAGIC);
        } catch (IOException e) {
            throw new HostException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void checkName(String name) {
        if (name.isBlank() || name.contains("/") || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new HostException("not a usable domain name: '" + name + "'");
        }
    }

    private QmpClient open(DomainInfo domain) {
        requireRunning(domain);
        return QmpClient.connect(socket(domain.name()), qmpTimeout);
    }

    private static void requireRunning(DomainInfo domain) {
        if (!QemuProcess.isQemuNamed(domain.id(), domain.name())) {
            throw new HostException("domain " + domain.name() + " (pid " + domain.id() + ") is not running");
        }
    }

    private Path socket(String name) {
        return dir.resolve(name + ".qmp");
    }

    private Path pidFile(String name) {
        return dir.resolve(name + ".pid");
    }
}
