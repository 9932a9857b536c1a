package io.xsnap.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** What /proc says about a QEMU process, waiting for or killing one by pid, and the files it leaves. Linux only. */
final class QemuProcess {
    private QemuProcess() {
    }

    /** The process's argv from /proc/PID/cmdline (NUL-separated), or empty when it is gone. */
    static List<String> cmdline(long pid) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException e) {
            return List.of();
        }
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            argv.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        return argv;
    }

    /** Every live process whose argv holds {@code option} directly followed by {@code value}, sorted. */
    static List<Long> withArgument(String option, String value) {
        List<Long> found = new ArrayList<>();
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String n = p.getFileName().toString();
                if (n.isEmpty() || !n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(n);
                List<String> argv = cmdline(pid);
                for (int i = 0; i + 1 < argv.size(); i++) {
                    if (argv.get(i).equals(option) && argv.get(i + 1).equals(value) && alive(pid)) {
                        found.add(pid);
                        break;
                    }
                }
            }
        } catch (IOException e) {
            throw new io.xsnap.host.HostException("/proc: cannot list: " + e.getMessage(), e);
        }
        found.sort(null);
        return found;
    }

    /** The pid runs (exists and is not a zombie). */
    static boolean alive(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false;
        }
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return false;
        }
        char state = stat.charAt(close + 2);
        return state != 'Z' && state != 'X';
    }

    /** The pid runs a QEMU system emulator whose {@code -name} is {@code name}. */
    static boolean isQemuNamed(long pid, String name) {
        if (!alive(pid)) {
            return false;
        }
        List<String> argv = cmdline(pid);
        if (argv.isEmpty()) {
            return false;
        }
        String exe = Path.of(argv.get(0)).getFileName().toString();
        boolean qemu = exe.startsWith("qemu-system-") || exe.equals("qemu-kvm");
        return qemu && name.equals(QemuArgv.guestName(argv));
    }

    /** The pid written in a QEMU pid file, or empty when the file is missing or unreadable. */
    static Optional<Long> readPidFile(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The pids of the process's direct children. */
    static Set<Long> children(long pid) {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    /** Waits until the pid no longer runs; false when it still runs after {@code timeout}. */
    static boolean awaitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1;
        while (alive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            // short at first: a memory save's writer usually ends within milliseconds, with the guest paused
            sleep(pause);
            pause = Math.min(pause * 2, 10);
        }
        return true;
    }

    /** Sends SIGKILL. */
    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Removes a file a QEMU left behind (pid file, socket, partial memory file); a failure is only logged. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.getLogger(QemuProcess.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete " + file + ": " + e.getMessage());
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.xsnap.host.HostException("interrupted", e);
        }
    }
}
