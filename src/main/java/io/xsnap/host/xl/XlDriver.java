package io.xsnap.host.xl;

import io.xsnap.host.DiskCut;
import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainDriver;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.host.MemoryFile;
import io.xsnap.host.MemorySave;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.TrustedState;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.host.qmp.QmpUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Xen domains through {@code xl} (see {@link Xl}), their qdisk disks through the device model's QMP socket
 * {@code <xen-run-dir>/qmp-libxl-<domid>} (one client at a time: each operation connects briefly), their raw
 * blkback disks by {@code cp --reflink=always} while the domain is paused. Guest RAM belongs to Xen: memory
 * only ever comes from {@code xl save -p} and goes back with {@code xl restore}, with a config derived from the
 * domain's xl config file whose disk targets point at the reverted layers.
 */
public final class XlDriver implements DomainDriver {
    /**
     * Per QMP reply. Xen's QEMU can be slow to answer (nested in TCG on a loaded machine it took over 10 s for a
     * transaction with an internal snapshot), and a reply given up on is a command that may still complete.
     */
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GONE_TIMEOUT = Duration.ofSeconds(30);
    /** Before a start that failed is tried again (see {@link #startOnce}). */
    private static final Duration START_RETRY_PAUSE = Duration.ofSeconds(5);
    /** How long recovery waits for an {@code xl save}, {@code create} or {@code restore} an interrupted run left. */
    private static final Duration SAVE_SETTLE_TIMEOUT = Duration.ofMinutes(30);
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    /** The config a start writes, in the domain's store directory (StoreLayout.XL_START_CONFIG names it too). */
    private static final String START_CONFIG = "xl-restore.cfg";

    private final Xl xl;
    private final Reflink reflink;
    private final Path runDir;
    private final Path store;
    private final Map<String, Path> configFiles;
    private final Duration qmpTimeout;
    private final TrustedState trust;

    /**
     * @param runDir      Xen's run directory, where the QMP sockets are (/var/run/xen)
     * @param store       the snapshot store's root: raw copies go under it, so reflink needs its filesystem
     * @param configFiles domain → its xl config file, as named on the command line or in a spec (may be empty)
     */
    public XlDriver(Xl xl, Reflink reflink, Path runDir, Path store, Map<String, Path> configFiles) {
        this(xl, reflink, runDir, store, configFiles, QMP_TIMEOUT, null);
    }

    /**
     * @param made where the records of the files xsnap makes outside the store live ({@link TrustedState#storeDir});
     *             null: in {@code <runDir>/xsnap} with the rest (gone with a reboot)
     */
    public XlDriver(Xl xl, Reflink reflink, Path runDir, Path store, Map<String, Path> configFiles, Path made) {
        this(xl, reflink, runDir, store, configFiles, QMP_TIMEOUT, made);
    }

    XlDriver(Xl xl, Reflink reflink, Path runDir, Path store, Map<String, Path> configFiles, Duration qmpTimeout) {
        this(xl, reflink, runDir, store, configFiles, qmpTimeout, null);
    }

    XlDriver(Xl xl, Reflink reflink, Path runDir, Path store, Map<String, Path> configFiles, Duration qmpTimeout,
             Path made) {
        this.xl = xl;
        this.reflink = reflink;
        this.runDir = runDir.toAbsolutePath().normalize();
        this.store = store.toAbsolutePath().normalize();
        this.configFiles = Map.copyOf(configFiles);
        this.qmpTimeout = qmpTimeout;
        this.trust = made == null ? new TrustedState(this.runDir.resolve("xsnap"))
                : new TrustedState(this.runDir.resolve("xsnap"), made);
    }

    /** {@code <xen-run-dir>/xsnap}, 0700: beside the device models' sockets, which xsnap trusts already. */
    @Override
    public TrustedState trustedState() {
        return trust;
    }

    /**
     * The stored recipe's xl config text is run (derived into a restore config) only when xsnap read that exact text
     * itself from a config file outside the store ({@link TrustedState#vouchConfig}: the file named with
     * {@code --xl-config} when the snapshot was taken, or the restore config xsnap wrote); a config file named now
     * is used as it is. A recipe with a QEMU command line is no xl recipe.
     */
    @Override
    public RestartRecipe vouchedRecipe(String name, RestartRecipe stored, Path record) {
        if (stored == null) {
            throw new HostException(record + " is damaged: restart is missing; name " + name + "'s xl config file with "
                    + "--xl-config FILE and run again; nothing was changed");
        }
        if (!stored.argv().isEmpty()) {
            throw new HostException(record + " is damaged: restart.argv is set, but xl starts no command line");
        }
        Path named = configFiles.get(name);
        if (named != null) {
            return new RestartRecipe(List.of(), stored.xlConfig(), named.toString(), readConfig(named));
        }
        if (stored.xlConfigText() == null) {
            return new RestartRecipe(List.of(), stored.xlConfig(), null, null);
        }
        if (!trust.vouchedConfig(name, stored.xlConfigText())) {
            throw new HostException(record + ": restart.xl_config_text cannot be trusted: it is no config text xsnap read "
                    + "itself for " + name + " "
                    + "(none recorded in " + trust.dir() + "); name " + name + "'s xl config file with --xl-config FILE "
                    + "(or xlConfig: in its spec) and run again; nothing was changed");
        }
        return stored;
    }

    @Override
    public String name() {
        return "xl";
    }

    @Override
    public List<DomainInfo> list() {
        List<DomainInfo> out = new ArrayList<>();
        for (XlDomain d : domains()) {
            out.add(describe(d));
        }
        return out;
    }

    private List<XlDomain> domains() {
        return XlList.parse(xl.listLong(), xl.list());
    }

    private XlDomain domain(DomainInfo info) {
        return domains().stream().filter(d -> d.domid() == info.id() && d.name().equals(info.name())).findFirst()
                .orElseThrow(() -> new HostException("domain " + info.name() + " (domid " + info.id() + ") is gone"));
    }

    /** The domain with its disks as they are now: qdisk disks' active files asked of QEMU, raw ones from the config. */
    private DomainInfo describe(XlDomain d) {
        Map<String, XlQmp.Active> active = new TreeMap<>();
        boolean askQemu = d.state().active() && !d.stubdom() && d.disks().stream().anyMatch(XlDomain.Disk::qdisk);
        if (askQemu) {
            try (QmpClient qmp = QmpClient.connect(socket(d.domid()), qmpTimeout)) {
                for (XlDomain.Disk disk : d.disks()) {
                    if (disk.qdisk()) {
                        active.put(disk.vdev(), XlQmp.active(qmp, disk.vdev()));
                    }
                }
            } catch (QmpUnreachableException e) {
                // no device model socket (yet, or any more): its qdisk disks are out of reach, the planner refuses them
            }
        }
        List<DiskInfo> disks = new ArrayList<>();
        for (XlDomain.Disk disk : d.disks()) {
            XlQmp.Active a = active.get(disk.vdev());
            if (a != null) {
                disks.add(new DiskInfo(disk.vdev(), a.file(), a.format().isEmpty() ? disk.format() : a.format(),
                        a.node(), disk.readOnly()));
            } else {
                boolean copyable = !disk.qdisk() && "raw".equals(disk.format()) && !d.stubdom()
                        && Reflink.possible(disk.target(), store.resolve(d.name()));
                disks.add(new DiskInfo(disk.vdev(), disk.target(), disk.format(), null, disk.readOnly(), copyable));
            }
        }
        disks.sort(java.util.Comparator.comparing(DiskInfo::vdev));
        return new DomainInfo(d.name(), name(), d.domid(), d.state(), disks);
    }

    @Override
    public void pause(DomainInfo domain) {
        xl.pause(domain.id());
    }

    /**
     * Unpauses a paused domain; a domain that is not paused is left as it is. Xen counts the toolstack's pauses and
     * refuses to unpause below zero, so {@code xl unpause} of a running domain fails: a save that failed before its
     * pause, or a recovery of one, must not turn that into an error. The state is asked only then, so the usual
     * resume costs one command while the guest stands still.
     */
    @Override
    public void resume(DomainInfo domain) {
        try {
            xl.unpause(domain.id());
        } catch (HostException e) {
            if (domain(domain).state() == RunState.PAUSED) {
                throw e;
            }
        }
    }

    /**
     * {@code xl save -p} of the running domain into a file made 0600 first (xl truncates it and keeps its mode); the
     * domain ends paused. A PV guest suspends cooperatively, so the save must find it running: on real Xen 4.17 a
     * save of a paused domain waits ~60 s and fails ("guest didn't acknowledge suspend"), which is why there is no
     * {@code xl pause} before it and why a paused domain is refused here at once. The pause is counted from the start
     * of {@code xl save} (the suspend comes early in it). When the save fails xl resumes the domain itself; the
     * unpause in the failure path only acts if it is still paused. xl reports no downtime of its own.
     */
    @Override
    public MemorySave saveMemory(DomainInfo domain, Path file, boolean live) {
        if (live) {
            throw new HostException("domain " + domain.name() + ": xl save has no live mode, and xl migrate's live save "
                    + "needs Xen's log-dirty mode (for a PV guest, a hypervisor built with shadow paging); save without "
                    + "--live");
        }
        if (domain.state() != RunState.RUNNING) {
            throw new HostException("domain " + domain.name() + " is " + domain.state().word() + ": xl save needs the "
                    + "guest running to acknowledge its suspend (Xen fails the save of a paused domain after a minute); "
                    + "unpause it first, or take a disk-only snapshot");
        }
        Path target = file.toAbsolutePath().normalize();
        MemoryFile.create(target);
        long stoppedAt = System.nanoTime();
        boolean saved = false;
        try {
            xl.save(domain.id(), target);
            XlSaveFile header = XlSaveFile.read(target);
            if (!header.domainName().equals(domain.name())) {
                throw new HostException(target + ": xl saved domain '" + header.domainName() + "', not " + domain.name());
            }
            long size = Files.size(target);
            saved = true;
            return new MemorySave(size, -1, stoppedAt);
        } catch (IOException e) {
            throw new HostException(target + ": " + e.getMessage(), e);
        } finally {
            if (!saved) {
                deleteQuietly(target);
                try {
                    resume(domain);
                } catch (HostException e) {
                    // the save's own failure is the one to report; the caller's journalled pause resumes again
                }
            }
        }
    }

    /**
     * An {@code xl save -p} an interrupted xsnap run left running (xl outlives a killed xsnap) is waited for: it ends
     * with the domain paused (saved) or resumed by xl (failed), either way in a state {@link #resume} handles, and a
     * resume before its end would be undone by the save's own pause. Nothing is cancelled: xl has no way to cancel a
     * save but killing it, which can leave the guest suspended.
     */
    @Override
    public String settleMigration(DomainInfo domain) {
        List<Long> savers = xl.savesRunning(domain.id());
        if (savers.isEmpty()) {
            return null;
        }
        long t0 = System.nanoTime();
        long deadline = t0 + SAVE_SETTLE_TIMEOUT.toNanos();
        while (!xl.savesRunning(domain.id()).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new HostException("domain " + domain.name() + ": the xl save left running by an interrupted run "
                        + "(pid " + savers + ") has not ended after " + SAVE_SETTLE_TIMEOUT.toMinutes() + " minutes; "
                        + "wait for it (or kill it), then run xsnap recover");
            }
            sleep(100);
        }
        return "waited " + (System.nanoTime() - t0) / 1_000_000 + " ms for the xl save left running by the interrupted "
                + "run (pid " + savers.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                + ") to end";
    }

    /**
     * Waits while an {@code xl create} or {@code xl restore} of the domain's start config, which an interrupted run
     * began, still runs: xl outlives a killed xsnap and goes on restoring, and on real Xen 4.17 a domain being restored
     * shows in {@code xl list} but not yet in {@code xl list -l}, so a recovery that did not wait would take the domain
     * for stopped and start it a second time (seen in the lab: "Domain with name ... already exists", then no domain).
     */
    @Override
    public void awaitStarting(String name) {
        Path cfg = store.resolve(TrustedState.plain(name)).resolve(START_CONFIG);
        List<Long> starting = xl.startsRunning(cfg);
        long deadline = System.nanoTime() + SAVE_SETTLE_TIMEOUT.toNanos();
        while (!starting.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new HostException("domain " + name + ": the xl start an interrupted run left running (pid "
                        + starting + ") has not ended after " + SAVE_SETTLE_TIMEOUT.toMinutes() + " minutes; wait for "
                        + "it (or kill it), then run xsnap recover");
            }
            sleep(100);
            starting = xl.startsRunning(cfg);
        }
    }

    /**
     * The domain's maximum memory ({@code b_info.max_memkb} of {@code xl list -l}, else {@code target_memkb}) plus
     * what an {@code xl save} file adds: its header and the domain's config as JSON, the page-frame lists (8 bytes a
     * 4 KiB page, 1/512 of the RAM, rounded up here to 1/256), and 4 MiB for the vCPU and device state (the device
     * model's, for an HVM guest). -1 when the config names no memory.
     */
    @Override
    public long memorySaveBound(DomainInfo domain) {
        XlDomain d = domain(domain);
        tools.jackson.databind.JsonNode b = d.config().path("b_info");
        long kb = b.path("max_memkb").asLong(0);
        if (kb <= 0) {
            kb = b.path("target_memkb").asLong(0);
        }
        if (kb <= 0) {
            return -1;
        }
        long ram = kb * 1024;
        return ram + ram / 256 + (4L << 20) + d.configJson().length();
    }

    /**
     * Raw (blkback) disks are copied first, then one QMP transaction cuts every qdisk disk; if the transaction
     * fails the copies are removed again, so it is all or none. Copies need the domain paused.
     */
    @Override
    public void snapshotDisks(DomainInfo domain, List<DiskCut> cuts) {
        if (cuts.isEmpty()) {
            return;
        }
        XlDomain d = domain(domain);
        List<DiskCut> viaQemu = new ArrayList<>();
        List<DiskCut> copies = new ArrayList<>();
        for (DiskCut cut : cuts) {
            String where = "domain " + domain.name() + " disk " + cut.disk().vdev();
            if (cut.disk().node() != null) {
                if (d.stubdom()) {
                    throw stubdom(domain.name());
                }
                viaQemu.add(cut);
            } else if (cut.internal()) {
                throw new HostException(where + ": not served by QEMU, so it cannot hold an internal snapshot");
            } else {
                copies.add(cut);
            }
            if (!cut.internal() && cut.overlay() == null) {
                throw new HostException(where + ": an external cut needs its target file");
            }
        }
        if (!copies.isEmpty() && d.state() != RunState.PAUSED) {
            throw new HostException("domain " + domain.name() + " is " + d.state().word() + ": raw disks are copied "
                    + "only while the domain is paused");
        }
        List<Path> made = new ArrayList<>();
        boolean done = false;
        try {
            for (DiskCut cut : copies) {
                reflink.copy(cut.disk().path(), cut.overlay());
                made.add(cut.overlay());
            }
            if (!viaQemu.isEmpty()) {
                try (QmpClient qmp = QmpClient.connect(socket(domain.id()), qmpTimeout)) {
                    XlQmp.snapshot(qmp, domain.name(), viaQemu);
                }
            }
            done = true;
        } finally {
            if (!done) {
                made.forEach(XlDriver::deleteQuietly);
            }
        }
    }

    @Override
    public void deleteInternalSnapshot(DomainInfo domain, DiskInfo disk, String tag) {
        try (QmpClient qmp = qmp(domain)) {
            XlQmp.deleteInternal(qmp, where(domain, disk), disk.vdev(), tag);
        }
    }

    @Override
    public void commitLayer(DomainInfo domain, DiskInfo disk, Path top, Path base) {
        try (QmpClient qmp = qmp(domain)) {
            XlQmp.commit(qmp, where(domain, disk), disk.vdev(), top, base);
        }
    }

    @Override
    public void streamLayer(DomainInfo domain, DiskInfo disk, Path above, Path removed, Path newBase) {
        try (QmpClient qmp = qmp(domain)) {
            XlQmp.stream(qmp, where(domain, disk), disk.vdev(), above, removed, newBase);
        }
    }

    /**
     * The config as {@code xl list -l} printed it, and the domain's xl config file (from the command line or the
     * spec; else the one xsnap last started it with, when that is still what it runs on, as for a clone) with its
     * text, checked now so that a snapshot never records a file a revert could not use.
     */
    @Override
    public RestartRecipe restartRecipe(DomainInfo domain) {
        XlDomain d = domain(domain);
        Path file = configFiles.get(domain.name());
        if (file == null) {
            file = startedWith(d);
        }
        if (file == null) {
            return new RestartRecipe(List.of(), d.configJson(), null, null);
        }
        String text = readConfig(file);
        XlConfigFile config = XlConfigFile.parse(file.toString(), text);
        trust.vouchConfig(domain.name(), text);
        Set<String> missing = new java.util.TreeSet<>();
        d.disks().forEach(disk -> missing.add(disk.vdev()));
        missing.removeAll(config.diskVdevs());
        if (!missing.isEmpty()) {
            throw new HostException(file + ": the xl config of " + domain.name() + " has no disk " + String.join(", ", missing)
                    + ", which the domain has; is it the file the domain was created from?");
        }
        return new RestartRecipe(List.of(), d.configJson(), file.toAbsolutePath().toString(), text);
    }

    /**
     * {@code <store>/<domain>/xl-restore.cfg} when xsnap wrote it and its disk targets are the ones the domain's
     * config has now (xl keeps a disk's pdev_path when QMP moves the disk onto an overlay): the domain was last
     * started from it (a clone, a revert) and not re-created by other means since. Else null.
     */
    private Path startedWith(XlDomain d) {
        Path cfg = store.resolve(d.name()).resolve(START_CONFIG);
        if (!Files.isRegularFile(cfg)) {
            return null;
        }
        List<XlDiskSpec> specs;
        try {
            String text = Files.readString(cfg, StandardCharsets.UTF_8);
            if (!trust.vouchedConfig(d.name(), text)) {
                return null;
            }
            specs = XlConfigFile.parse(cfg.toString(), text).disks();
        } catch (IOException | HostException e) {
            return null;
        }
        for (XlDomain.Disk disk : d.disks()) {
            boolean same = specs.stream().anyMatch(s -> s.vdev().equals(disk.vdev()) && !s.target().isEmpty()
                    && Path.of(s.target()).toAbsolutePath().normalize().equals(disk.target().toAbsolutePath().normalize()));
            if (!same) {
                return null;
            }
        }
        return cfg;
    }

    /**
     * Records the domain first ({@link #anchor}: its disks' chains, from QMP for qdisk disks and from {@code xl list -l}
     * for the others, and its live config), then {@code xl destroy}, and waits until {@code xl list} no longer shows it.
     */
    @Override
    public void destroy(DomainInfo domain) {
        recordAnchor(domain);
        xl.destroy(domain.id());
        long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
        while (domains().stream().anyMatch(d -> d.domid() == domain.id())) {
            if (System.nanoTime() > deadline) {
                throw new HostException("domain " + domain.name() + " (domid " + domain.id() + ") is still listed "
                        + GONE_TIMEOUT.toSeconds() + " s after xl destroy");
            }
            sleep(50);
        }
    }

    /** What xsnap saw of a domain it is about to change or stop, from xl and QMP: never from the store. */
    @Override
    public void recordAnchor(DomainInfo info) {
        XlDomain d = domain(info);
        List<Path> files = new ArrayList<>();
        boolean askQemu = d.state().active() && !d.stubdom() && d.disks().stream().anyMatch(XlDomain.Disk::qdisk);
        Map<String, List<Path>> chains = new TreeMap<>();
        if (askQemu) {
            try (QmpClient qmp = QmpClient.connect(socket(d.domid()), qmpTimeout)) {
                for (XlDomain.Disk disk : d.disks()) {
                    if (disk.qdisk()) {
                        chains.put(disk.vdev(), XlQmp.active(qmp, disk.vdev()).chain());
                    }
                }
            } catch (HostException e) {
                // no device model to ask: the config's targets below
            }
        }
        for (XlDomain.Disk disk : d.disks()) {
            files.addAll(chains.getOrDefault(disk.vdev(), List.of(disk.target())));
        }
        trust.writeAnchor(new TrustedState.Anchor(info.name(), files.stream().map(f -> f.toAbsolutePath().normalize())
                .distinct().toList(), List.of(), d.configJson(), null, null));
    }

    /**
     * The restore config can be derived (an xl config file is known and names every disk) and the memory file is
     * an xl save file of this domain naming those disks.
     */
    @Override
    public void checkStart(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory) {
        configFor(name, recipe).withTargets(targets(name, diskFiles, false));
        if (memory != null) {
            checkMemory(name, recipe, diskFiles, memory);
        }
    }

    /**
     * The memory file was saved from the domain the recipe names in its {@code xlConfig} (a clone's recipe names
     * its source there), else from {@code name}, and holds every disk being started.
     */
    private void checkMemory(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory) {
        XlSaveFile saved = XlSaveFile.read(memory);
        String savedFrom = recipe.xlConfig() == null ? "" : cInfo(recipe.xlConfig(), "name");
        String expected = savedFrom.isEmpty() ? name : savedFrom;
        if (!saved.domainName().equals(expected)) {
            throw new HostException(memory + ": an xl save file of domain '" + saved.domainName() + "', not " + expected);
        }
        String uuid = recipe.xlConfig() == null ? "" : cInfo(recipe.xlConfig(), "uuid");
        if (!uuid.isEmpty() && !saved.uuid().isEmpty() && !uuid.equals(saved.uuid())) {
            throw new HostException(memory + ": saved from domain uuid " + saved.uuid() + ", but the snapshot was taken "
                    + "of uuid " + uuid);
        }
        Set<String> savedVdevs = new java.util.TreeSet<>();
        saved.disks().forEach(d -> savedVdevs.add(d.vdev()));
        for (String vdev : new java.util.TreeSet<>(diskFiles.keySet())) {
            if (!savedVdevs.contains(vdev)) {
                throw new HostException(memory + ": the saved domain has no disk " + vdev + " (it has "
                        + String.join(", ", savedVdevs) + ")");
            }
        }
    }

    /** A {@code c_info} field of an {@code xl list -l} config, or "" when it cannot be read. */
    private static String cInfo(String configJson, String field) {
        try {
            return tools.jackson.databind.json.JsonMapper.builder().build().readTree(configJson)
                    .path("c_info").path(field).asString("");
        } catch (tools.jackson.core.JacksonException e) {
            return "";
        }
    }

    /**
     * Writes the derived config to {@code <store>/<domain>/xl-restore.cfg} (0600, kept for people to read; a clone's
     * delete removes it) and runs
     * {@code xl restore [-p] CFG MEMORY}, or {@code xl create [-p] CFG} for a cold start.
     */
    @Override
    public DomainInfo start(String name, RestartRecipe recipe, Map<String, Path> diskFiles, Path memory,
                            boolean paused) {
        checkStart(name, recipe, diskFiles, memory);
        XlConfigFile config = configFor(name, recipe);
        String derived = config.withTargets(targets(name, diskFiles, true));
        Path cfg = store.resolve(name).resolve(START_CONFIG);
        String written = "# written by xsnap from " + config.source() + " to start " + name
                + "; disks point at the layers xsnap made for it (reverted, or a clone's own)\n" + derived;
        try {
            Files.createDirectories(cfg.getParent());
            Files.deleteIfExists(cfg);
            Files.createFile(cfg, PosixFilePermissions.asFileAttribute(MemoryFile.OWNER_ONLY_FILE));
            Files.writeString(cfg, written, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HostException(cfg + ": cannot write the restore config: " + e.getMessage(), e);
        }
        // the text xsnap wrote, not what the store holds when read back
        trust.vouchConfig(name, written);
        startOnce(name, cfg, memory, paused, true);
        DomainInfo started = list().stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new HostException("domain " + name + ": not listed after xl "
                        + (memory != null ? "restore" : "create")));
        trust.removeAnchor(name);
        return started;
    }

    /**
     * {@code xl restore [-p] CFG MEMORY} or {@code xl create [-p] CFG}, once more when it failed and left nothing
     * listed under {@code name}. On real Xen 4.17 in the lab (nested, on a loaded host) starts failed now and then on
     * libxl's own timeouts: a raw disk's hotplug script ("killing execution of /etc/xen/scripts/block add because of
     * timeout") or the device model ("Post DM startup configs failed, rc=-9"); libxl had taken the half-made domain
     * down again, and the same command worked when run again. A domain still listed is never started twice.
     */
    private void startOnce(String name, Path cfg, Path memory, boolean paused, boolean mayRetry) {
        try {
            if (memory != null) {
                xl.restore(cfg, memory.toAbsolutePath().normalize(), paused);
            } else {
                xl.create(cfg, paused);
            }
        } catch (HostException e) {
            if (!mayRetry || domains().stream().anyMatch(d -> d.name().equals(name))) {
                throw e;
            }
            System.getLogger(XlDriver.class.getName()).log(System.Logger.Level.WARNING, "domain " + name + ": xl "
                    + (memory != null ? "restore" : "create") + " failed and left nothing behind; trying once more ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
            sleep(START_RETRY_PAUSE.toMillis());
            startOnce(name, cfg, memory, paused, false);
        }
    }

    /**
     * A clone's recipe: the source's xl config file text (as saved with the snapshot) with the new name, disk targets
     * at the clone's overlays, fresh vif MACs and a fresh UUID; its {@code xlConfig} stays the source's, which is
     * what the snapshot's memory file was saved from ({@link #checkStart} checks the file against it). Reads only
     * the first bytes of the clone's disk files, for their format (a qcow2 overlay, or a raw disk's reflink copy).
     */
    @Override
    public RestartRecipe cloneRecipe(RestartRecipe source, String name, Map<String, Path> diskFiles) {
        if (source.xlConfigText() == null) {
            throw new HostException("domain " + name + ": the snapshot records no xl config file text to derive the "
                    + "clone's config from (take snapshots with --xl-config FILE)");
        }
        XlConfigFile config = XlConfigFile.parse(source.xlConfigFile() + " (as saved with the snapshot)", source.xlConfigText());
        java.security.SecureRandom random = new java.security.SecureRandom();
        String text = XlConfigFile.forClone(config.withTargets(targets(name, diskFiles, true)), name,
                java.util.UUID.randomUUID().toString(), () -> XlConfigFile.freshMac(random));
        return new RestartRecipe(List.of(), source.xlConfig(), "clone " + name + " of " + source.xlConfigFile(), text);
    }

    /** {@code cp --reflink=always}: fails, changing nothing, where the filesystem cannot share the blocks. */
    @Override
    public void copyDisk(Path frozen, Path target) {
        reflink.copy(frozen, target);
    }

    private XlConfigFile configFor(String name, RestartRecipe recipe) {
        Path file = configFiles.get(name);
        if (file != null) {
            return XlConfigFile.parse(file.toString(), readConfig(file));
        }
        if (recipe.xlConfigText() != null) {
            return XlConfigFile.parse(recipe.xlConfigFile() + " (as saved with the snapshot)", recipe.xlConfigText());
        }
        throw new HostException("domain " + name + ": the snapshot records no xl config file, and none was given; "
                + "name the file the domain was created from with --xl-config FILE (or xlConfig: in its spec)");
    }

    /** vdev → new file and its format (qcow2 when it starts with the qcow2 magic, else raw). */
    private static Map<String, XlConfigFile.Target> targets(String name, Map<String, Path> diskFiles, boolean probe) {
        Map<String, XlConfigFile.Target> targets = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : new TreeMap<>(diskFiles).entrySet()) {
            Path file = e.getValue().toAbsolutePath().normalize();
            targets.put(e.getKey(), new XlConfigFile.Target(file, !probe || hasQcow2Magic(name, file) ? "qcow2" : "raw"));
        }
        return targets;
    }

    private static boolean hasQcow2Magic(String name, Path file) {
        byte[] head = new byte[QCOW2_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, QCOW2_MAGIC);
        } catch (IOException e) {
            throw new HostException("domain " + name + ": " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String readConfig(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HostException(file + ": cannot read the xl config file: " + e.getMessage(), e);
        }
    }

    private static HostException stubdom(String name) {
        return new HostException("domain " + name + " runs its device model in a stub domain: there is no QMP socket "
                + "in dom0, so xsnap cannot cut its qdisk disks; exclude them, or run the device model in dom0");
    }

    private QmpClient qmp(DomainInfo domain) {
        if (domain(domain).stubdom()) {
            throw stubdom(domain.name());
        }
        return QmpClient.connect(socket(domain.id()), qmpTimeout);
    }

    private Path socket(long domid) {
        return runDir.resolve("qmp-libxl-" + domid);
    }

    private static String where(DomainInfo domain, DiskInfo disk) {
        return "domain " + domain.name() + " disk " + disk.vdev();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.getLogger(XlDriver.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete " + file + ": " + e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted", e);
        }
    }
}
