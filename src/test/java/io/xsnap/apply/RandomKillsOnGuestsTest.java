package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xsnap.host.image.ImageReader;
import io.xsnap.host.image.InternalSnapshot;
import io.xsnap.host.qmp.QmpClient;
import io.xsnap.observe.Json;
import io.xsnap.observe.StoreLayout;
import io.xsnap.testing.Cli;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.RamGuest;
import io.xsnap.testing.XsnapProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Faults at random moments, not only at step boundaries: on a guest whose RAM and disks hold known data, with a
 * complete memory snapshot s1, xsnap (a separate JVM) runs a create (memory, live, disk-only; xvdb external),
 * a revert or a delete and is SIGKILLed a random 0-700 ms (revert, delete: 0-500 ms) after the change's first journal entry; in one run of
 * four the guest's QEMU is killed too.
 * Then {@code recover} runs, and the invariants are checked: recover exits 0 and a second one finds nothing; the
 * journal has nothing open; the guest runs (unless its QEMU was killed), no migration or block job is left;
 * every snapshot directory is complete; no internal tag, layer or memory file that no snapshot or the guest
 * uses; every complete snapshot reverts to its exact disk bytes and RAM.
 *
 * <p>{@code -Dxsnap.kill.runs=N} (the pom's {@code xsnap.kill.runs}: 8, {@code -Pnightly} 100) runs, seeded
 * by {@code -Dxsnap.kill.seed=S} (default: the clock); the seed is printed, and {@code -Dxsnap.kill.seed=S
 * -Dxsnap.kill.runs=1} replays the operation and delay of the first run (the kill's moment relative to what
 * xsnap is doing also depends on the machine's load).
 */
@GuestTest
class RandomKillsOnGuestsTest {
    static final String[] DISKS = {"--disk", "xvda=internal", "--disk", "xvdb=external"};

    @TempDir
    Path tmp;

    enum Op { CREATE_MEMORY, CREATE_LIVE, CREATE_DISK_ONLY, REVERT, DELETE }

    @Test
    void killedAtRandomMomentsRecoveryKeepsEveryInvariant() throws Exception {
        int runs = Integer.getInteger("xsnap.kill.runs", 8);
        long seed = Long.getLong("xsnap.kill.seed", System.currentTimeMillis());
        System.out.println("random kills: seed " + seed + " (replay: -Dxsnap.kill.seed=" + seed + ")");
        List<String> violations = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Random random = new Random(seed + run);
            Op op = Op.values()[random.nextInt(Op.values().length)];
            long delay = random.nextInt(op == Op.REVERT || op == Op.DELETE ? 500 : 700);
            boolean killQemu = random.nextInt(4) == 0;
            String what = "run " + run + " (seed " + (seed + run) + "): " + op + " killed " + delay + " ms after its begin"
                    + (killQemu ? ", QEMU killed too if a change is open" : "");
            List<String> found = new ArrayList<>();
            try {
                oneRun(tmp.resolve("r" + run), op, delay, killQemu, found);
            } catch (AssertionError | RuntimeException e) {
                found.add("failed: " + e);
            }
            String at = !found.isEmpty() && found.get(0).startsWith("@") ? found.remove(0).substring(1) : "?";
            System.out.println(what + ", " + at + ": " + (found.isEmpty() ? "ok" : found));
            found.forEach(f -> violations.add(what + ": " + f));
        }
        System.out.println(runs + " runs, " + violations.size() + " invariant violations (seed " + seed + ")");
        assertEquals(List.of(), violations, "seed " + seed);
    }

    private void oneRun(Path dir, Op op, long delay, boolean killQemu, List<String> found) throws Exception {
        Files.createDirectories(dir);
        try (GuestLab lab = new GuestLab(dir)) {
            Path store = dir.resolve("store");
            StoreLayout layout = new StoreLayout(store);
            Cli cli = new Cli(store, lab.qemuDir());
            RamGuest g = RamGuest.start(lab, "web01", dir.hashCode());
            g.write(0x11);
            require(cli.host("create", args("web01", "--name", "s1")));
            g.write(0x22);
            String[] argv = switch (op) {
                case CREATE_MEMORY -> args("create", "web01", "--name", "s2");
                case CREATE_LIVE -> args("create", "web01", "--name", "s2", "--live");
                case CREATE_DISK_ONLY -> args("create", "web01", "--name", "s2", "--disk-only");
                case REVERT -> new String[] {"revert", "--force", "web01", "s1"};
                case DELETE -> new String[] {"delete", "web01", "s1"};
            };
            XsnapProcess xsnap = new XsnapProcess(store, lab.qemuDir(), dir);
            long journalBefore = size(layout.journal());
            XsnapProcess.Started started = xsnap.start(null, argv[0], java.util.Arrays.copyOfRange(argv, 1, argv.length));
            // the delay counts from the change's begin entry, not from the JVM's start
            long giveUp = System.nanoTime() + 60_000_000_000L;
            while (size(layout.journal()) == journalBefore && started.isAlive() && System.nanoTime() < giveUp) {
                Thread.sleep(1);
            }
            long until = System.nanoTime() + delay * 1_000_000;
            while (System.nanoTime() < until && started.isAlive()) {
                Thread.sleep(1);
            }
            started.kill();
            Journal atKill = new Journal(layout.journal(), Json.mapper());
            // QEMU dies with xsnap only inside a change: after the change has ended, its death is a crash outside
            // xsnap, whose snapshots naming files outside the store are refused by design until the domain runs
            // again (StoppedDomainsOnGuestsTest)
            killQemu = killQemu && !atKill.interrupted().isEmpty();
            if (killQemu) {
                g.guest().close();
            }
            found.add(0, "@" + landed(atKill) + (killQemu ? ", QEMU killed" : ""));
            Cli.Run recover = cli.host("recover");
            check(recover.code() == 0, "recover exits 0: " + recover, found);
            Cli.Run again = cli.host("recover");
            check(again.code() == 0 && again.out().contains("Nothing to recover"), "a second recover finds nothing: "
                    + again, found);
            Journal journal = new Journal(layout.journal(), Json.mapper());
            check(journal.interrupted().isEmpty() && journal.pausedAndNotResumed().isEmpty(),
                    "nothing open in the journal: " + journal.interrupted(), found);
            boolean up = running(lab);
            check(up || killQemu, "the guest runs: " + (up ? "" : "it is gone"), found);
            if (up) {
                String status = g.guest().status();
                check(status.equals("running"), "the guest runs, it is " + status, found);
                try (QmpClient qmp = g.guest().qmp()) {
                    check(qmp.execute("query-jobs").isEmpty(), "no block job left: " + qmp.execute("query-jobs"), found);
                    String m = qmp.execute("query-migrate").path("status").asString("");
                    check(m.isEmpty() || Set.of("completed", "cancelled", "failed").contains(m), "no migration left: " + m,
                            found);
                }
            }
            Set<String> complete = checkStore(layout, lab, g, up, found);
            check(complete.contains("s1") || op == Op.DELETE, "s1 is still listed", found);
            KillPointsOnGuestsTest.assertPrivate(store);
            // every complete snapshot reverts to its exact bytes
            for (String s : complete) {
                Cli.Run revert = cli.host("revert", "--force", "--running", "web01", s);
                if (!check(revert.code() == 0, "revert to " + s + ": " + revert, found)) {
                    continue;
                }
                int pattern = s.equals("s1") ? 0x11 : 0x22;
                boolean diskOnly = !Files.exists(layout.memory("web01", s));
                boolean ok = diskOnly ? RamGuest.DISKS.stream().allMatch(v -> g.guest().reads(v, pattern, 0, RamGuest.K64))
                        : g.holds(pattern);
                check(ok, s + " reverts to its exact " + (diskOnly ? "disk bytes" : "RAM and disk bytes"), found);
            }
        }
    }

    /** Where the kill landed: the last journal step of the change it interrupted, or that none was open. */
    private static String landed(Journal journal) {
        List<io.xsnap.plan.Interrupted> open = journal.interrupted();
        if (open.isEmpty()) {
            return "no change open (before its begin, or after its end)";
        }
        io.xsnap.plan.Interrupted i = open.get(open.size() - 1);
        return "killed in " + i.address() + " after journal step '"
                + (i.steps().isEmpty() ? "begin" : i.steps().get(i.steps().size() - 1)) + "'";
    }

    /** Every snapshot directory complete; every internal tag, layer and memory file used. @return complete names */
    private static Set<String> checkStore(StoreLayout layout, GuestLab lab, RamGuest g, boolean up, List<String> found)
            throws IOException {
        Set<String> complete = new TreeSet<>();
        StringBuilder manifests = new StringBuilder();
        Path domainDir = layout.domainDir("web01");
        try (Stream<Path> entries = Files.list(domainDir)) {
            for (Path p : entries.toList()) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || p.getFileName().toString().equals("layers")) {
                    continue;
                }
                Path manifest = p.resolve("snapshot.json");
                if (check(Files.exists(manifest), "a snapshot directory without a manifest: " + p, found)) {
                    complete.add(p.getFileName().toString());
                    manifests.append(Files.readString(manifest));
                }
                try (Stream<Path> files = Files.list(p)) {
                    for (Path f : files.toList()) {
                        String n = f.getFileName().toString();
                        check(n.equals("snapshot.json") || n.equals("memory.save") && Files.exists(manifest),
                                "a stray file " + f, found);
                    }
                }
            }
        }
        for (InternalSnapshot t : new ImageReader().read(lab.root().resolve("web01-a.qcow2"), "qcow2").snapshots()) {
            check(complete.contains(t.name()), "a stray internal snapshot '" + t.name() + "'", found);
        }
        if (up && Files.isDirectory(layout.layersDir("web01"))) {
            String chain = chain(g);
            try (Stream<Path> layers = Files.list(layout.layersDir("web01"))) {
                for (Path l : layers.toList()) {
                    check(manifests.indexOf(l.toString()) >= 0 || chain.contains(l.toString()),
                            "a stray layer " + l + " (chain " + chain + ")", found);
                }
            }
        }
        return complete;
    }

    private static String chain(RamGuest g) {
        try (QmpClient qmp = g.guest().qmp()) {
            for (JsonNode d : qmp.execute("query-block")) {
                if (d.path("device").asString("").equals("xvdb")) {
                    return d.path("inserted").path("image").toString();
                }
            }
        }
        return "";
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean running(GuestLab lab) {
        try {
            long pid = Long.parseLong(Files.readString(lab.qemuDir().resolve("web01.pid")).strip());
            return GuestLab.isQemu(pid);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static boolean check(boolean ok, String invariant, List<String> found) {
        if (!ok) {
            found.add(invariant);
        }
        return ok;
    }

    private static void require(Cli.Run r) {
        assertEquals(0, r.code(), r.toString());
    }

    private static String[] args(String... first) {
        return Stream.concat(Stream.of(first), Stream.of(DISKS)).toArray(String[]::new);
    }
}
