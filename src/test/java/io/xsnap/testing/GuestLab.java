package io.xsnap.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ExecRunner;
import io.xsnap.host.exec.ProcessRunner;
import io.xsnap.host.qemuimg.QemuImg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A scratch place for tests on real QEMU guests (TCG, no guest OS needed).
 *
 * <ul>
 *   <li>{@link #root()}: a directory for images, made with the real qemu-img ({@link #createDisk},
 *       {@link #createOverlay}, {@link #qemuImg()});</li>
 *   <li>{@link #qemuDir()}: the qemu driver's directory (pass it to {@code new QemuDriver(lab.qemuDir(), ...)}
 *       or to the CLI's {@code --qemu-dir});</li>
 *   <li>{@link #start}: a guest started by the driver's conventions ({@code -name}, {@code -qmp},
 *       {@code -pidfile} in the qemu dir, {@code -daemonize}, disks as {@code -drive id=<vdev>});</li>
 *   <li>offline data checks with {@code qemu-io} on images no guest holds ({@link #writeOffline},
 *       {@link #readsOffline}); on-line ones are on {@link TestGuest}.</li>
 * </ul>
 *
 * <p>{@link #close()} kills, by pid with SIGKILL, every guest it started and every QEMU whose pid file lies
 * in the qemu dir (so guests the driver restarted are cleaned up too). Use it in {@code @AfterEach}:
 * <pre>
 * &#64;TempDir Path tmp;
 * GuestLab lab;
 * &#64;BeforeEach void lab() { lab = new GuestLab(tmp); }
 * &#64;AfterEach void cleanUp() { lab.close(); }
 * </pre>
 * Keep guests few and small: each is a TCG QEMU with 64 MiB of RAM.
 */
public final class GuestLab implements AutoCloseable {
    /** The guest machine every lab guest runs: no OS, no default devices, little memory. */
    public static final List<String> MACHINE = List.of("qemu-system-x86_64", "-machine", "pc", "-accel", "tcg",
            "-m", "64", "-nodefaults", "-display", "none");

    private final Path root;
    private final Path qemuDir;
    private final ProcessRunner runner = new ExecRunner();
    private final QemuImg qemuImg = new QemuImg(runner);
    private final Set<Long> started = new LinkedHashSet<>();

    /**
     * @param root an empty scratch directory (a JUnit {@code @TempDir}); keep it short, a UNIX socket
     *             path must stay under 108 bytes
     */
    public GuestLab(Path root) {
        this.root = root.toAbsolutePath();
        this.qemuDir = this.root.resolve("qemu");
        try {
            Files.createDirectories(qemuDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One disk of a lab guest: {@code -drive id=<vdev>,file=<file>,format=<format>,if=virtio}. */
    public record Disk(String vdev, Path file, String format) {
        public static Disk qcow2(String vdev, Path file) {
            return new Disk(vdev, file, "qcow2");
        }

        public static Disk raw(String vdev, Path file) {
            return new Disk(vdev, file, "raw");
        }
    }

    public Path root() {
        return root;
    }

    public Path qemuDir() {
        return qemuDir;
    }

    /** The real process runner the lab uses. */
    public ProcessRunner runner() {
        return runner;
    }

    /** qemu-img on the real runner. */
    public QemuImg qemuImg() {
        return qemuImg;
    }

    /** A new empty image {@code root/fileName}. */
    public Path createDisk(String fileName, String format, long size) {
        Path file = root.resolve(fileName);
        qemuImg.create(file, format, size);
        return file;
    }

    /** A new qcow2 overlay {@code root/fileName} on {@code backing} (stored as an absolute path). */
    public Path createOverlay(String fileName, Path backing, String backingFormat) {
        Path file = root.resolve(fileName);
        qemuImg.createOverlay(file, backing.toAbsolutePath().toString(), backingFormat);
        return file;
    }

    /** The argv a lab guest is started with (without extra arguments). */
    public List<String> argv(String name, List<Disk> disks) {
        List<String> argv = new ArrayList<>(MACHINE);
        argv.addAll(List.of("-name", name, "-qmp", "unix:" + qemuDir.resolve(name + ".qmp") + ",server=on,wait=off",
                "-pidfile", qemuDir.resolve(name + ".pid").toString(), "-daemonize"));
        for (Disk disk : disks) {
            argv.add("-drive");
            argv.add("id=" + disk.vdev() + ",file=" + disk.file().toAbsolutePath().toString().replace(",", ",,")
                    + ",format=" + disk.format() + ",if=virtio");
        }
        return argv;
    }

    /** Starts a running guest with these disks. */
    public TestGuest start(String name, Disk... disks) {
        return start(name, List.of(disks), List.of());
    }

    /**
     * Starts a guest; {@code extra} is appended to the argv (e.g. {@code -drive if=ide,media=cdrom} for an
     * empty CD-ROM, or {@code -S} to start it paused).
     */
    public TestGuest start(String name, List<Disk> disks, List<String> extra) {
        List<String> argv = new ArrayList<>(argv(name, disks));
        argv.addAll(extra);
        runner.run(Command.of(argv).withTimeout(Duration.ofSeconds(60)));
        TestGuest guest = guest(name);
        started.add(guest.pid());
        return guest;
    }

    /** The guest that runs under {@code name} now (after a driver restarted it, too). */
    public TestGuest guest(String name) {
        return new TestGuest(this, name);
    }

    /** The pid in {@code qemuDir/name.pid}, if the file is there. */
    Optional<Long> pidOf(String name) {
        try {
            return Optional.of(Long.parseLong(Files.readString(qemuDir.resolve(name + ".pid")).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Writes {@code pattern} over {@code [offset, offset+length)} of an image no guest holds. */
    public void writeOffline(Path image, String format, int pattern, long offset, long length) {
        qemuIo(image, format, false, String.format("write -P 0x%02x %d %d", pattern, offset, length));
    }

    /** Whether an image no guest holds reads {@code pattern} over the whole range (through its backing chain). */
    public boolean readsOffline(Path image, String format, int pattern, long offset, long length) {
        return qemuIo(image, format, true, String.format("read -P 0x%02x %d %d", pattern, offset, length));
    }

    /** Fails the test unless {@link #readsOffline} holds. */
    public void assertReadsOffline(Path image, String format, int pattern, long offset, long length) {
        if (!readsOffline(image, format, pattern, offset, length)) {
            fail(image + " does not read 0x" + Integer.toHexString(pattern) + " at " + offset + "+" + length);
        }
    }

    /**
     * Runs one qemu-io command. qemu-io exits 1 and prints "Pattern verification failed" when a read does
     * not match; anything else that fails (cannot open, locked, I/O error) fails the test.
     *
     * @return false when a read did not match the pattern
     */
    boolean qemuIo(String target, String format, boolean readOnly, String command) {
        List<String> argv = new ArrayList<>(List.of("qemu-io"));
        if (readOnly) {
            argv.add("-r");
        }
        argv.addAll(List.of("-f", format, "-c", command, target));
        CommandResult result = runner.run(Command.of(argv).accepting(0, 1).withTimeout(Duration.ofSeconds(60)));
        String out = result.stdoutText();
        if (out.contains("Pattern verification failed")) {
            return false;
        }
        if (result.exitCode() != 0 || out.contains("failed") || !result.stderr().isBlank()) {
            fail(result.command().display() + " (exit " + result.exitCode() + "): " + out + result.stderr());
        }
        return true;
    }

    private boolean qemuIo(Path image, String format, boolean readOnly, String command) {
        return qemuIo(image.toAbsolutePath().toString(), format, readOnly, command);
    }

    /** Kills every guest this lab started and every QEMU with a pid file in the qemu dir (SIGKILL, by pid). */
    @Override
    public void close() {
        Set<Long> pids = new LinkedHashSet<>(started);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(qemuDir, "*.pid")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                pidOf(name.substring(0, name.length() - ".pid".length())).ifPresent(pids::add);
            }
        } catch (IOException e) {
            // nothing to scan
        }
        for (long pid : pids) {
            if (isQemu(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (long pid : pids) {
            awaitGone(pid);
        }
    }

    /** Whether the pid runs a QEMU system emulator (a zombie does not count). */
    public static boolean isQemu(long pid) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).startsWith("qemu-system-");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits (up to 10 s) until the pid no longer runs a QEMU. */
    static void awaitGone(long pid) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (isQemu(pid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
