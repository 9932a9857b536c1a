package io.xsnap.host.qemuimg;

import io.xsnap.host.HostException;
import io.xsnap.host.Progress;
import io.xsnap.host.exec.Command;
import io.xsnap.host.exec.CommandResult;
import io.xsnap.host.exec.ProcessRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every qemu-img call xsnap makes, built as an argument list here and run through the {@link ProcessRunner}.
 *
 * <p>Commands that only make sense on qcow2 name the format ({@code -f qcow2}; {@code snapshot}, which has
 * no {@code -f}, gets {@code --image-opts driver=qcow2,...}), so a raw file is never probed as something else. A relative backing name is resolved by qemu-img against the
 * directory of the image that stores it, not against the current directory.
 */
public final class QemuImg {
    private final ProcessRunner runner;
    private final String binary;
    private final JsonMapper json = JsonMapper.builder().build();
    private Progress progress = Progress.NONE;

    public QemuImg(ProcessRunner runner) {
        this(runner, "qemu-img");
    }

    public QemuImg(ProcessRunner runner, String binary) {
        this.runner = runner;
        this.binary = binary;
    }

    /** {@code create -f FMT FILE SIZE}: a new empty image. */
    public void create(Path file, String format, long virtualSize) {
        run("create", "-q", "-f", format, file.toString(), Long.toString(virtualSize));
    }

    /**
     * {@code create -f qcow2 -b BACKING -F FMT FILE}: a new overlay. qemu-img opens the backing file to
     * learn its size (a running QEMU's lock does not stop it).
     *
     * @param backing the backing name to store, as given (relative names are relative to FILE's directory)
     */
    public void createOverlay(Path file, String backing, String backingFormat) {
        run("create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, file.toString());
    }

    /**
     * {@code create -f qcow2 -b BACKING -F FMT -u FILE SIZE}: an overlay made without opening the backing
     * file, for when it is missing or must not be touched; the size must then be given.
     */
    public void createOverlayUnsafe(Path file, String backing, String backingFormat, long virtualSize) {
        run("create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, "-u", file.toString(),
                Long.toString(virtualSize));
    }

    /** {@code snapshot -c TAG}: a named internal snapshot. qemu-img accepts a duplicate name. */
    public void snapshotCreate(Path image, String tag) {
        run("snapshot", "-q", "-c", tag, "--image-opts", qcow2Opts(image));
    }

    /** {@code snapshot -a TAG}: puts the image back to the snapshot (matches the ID or the name). */
    public void snapshotApply(Path image, String tag) {
        run("snapshot", "-q", "-a", tag, "--image-opts", qcow2Opts(image));
    }

    /** {@code snapshot -d TAG}: deletes the first snapshot of that name (names only, not IDs). */
    public void snapshotDelete(Path image, String tag) {
        run("snapshot", "-q", "-d", tag, "--image-opts", qcow2Opts(image));
    }

    /**
     * {@code commit [-b BASE] [-d] TOP}: writes TOP's data into its backing file, or into BASE further down
     * (which implies keeping TOP). The images between BASE and TOP may be invalid afterwards.
     *
     * @param base    null: TOP's immediate backing file
     * @param keepTop true: leave TOP's data in place ({@code -d}); false: empty TOP afterwards
     */
    public void commit(Path top, Path base, boolean keepTop) {
        List<String> args = new ArrayList<>(List.of("commit", "-q", "-f", "qcow2"));
        if (base != null) {
            args.add("-b");
            args.add(base.toString());
        }
        if (keepTop) {
            args.add("-d");
        }
        args.add(top.toString());
        run(args);
    }

    /**
     * {@code rebase [-u] -b BACKING -F FMT IMAGE}. Safe mode copies the clusters that differ and needs the
     * old backing file; unsafe mode only rewrites the header.
     *
     * @param backing the new backing name as it is to be stored, or null to remove the backing file
     * @param backingFormat the new backing file's format; ignored when backing is null
     */
    public void rebase(Path image, String backing, String backingFormat, boolean unsafe) {
        List<String> args = new ArrayList<>(List.of("rebase", "-q", "-f", "qcow2"));
        if (unsafe) {
            args.add("-u");
        }
        args.add("-b");
        args.add(backing == null ? "" : backing);
        if (backing != null) {
            args.add("-F");
            args.add(backingFormat);
        }
        args.add(image.toString());
        run(args);
    }

    /**
     * {@code info --output=json [-f FMT] [-U] IMAGE}: one image's facts; keys that do not apply are left out.
     *
     * @param format      null: let qemu-img probe (only for files known not to be raw guest data)
     * @param forceShare  {@code -U}: read an image a running QEMU holds (may show inconsistent metadata)
     */
    public JsonNode info(Path image, String format, boolean forceShare) {
        return parse(run(infoArgs(image, format, forceShare, false)));
    }

    /** {@code info --output=json --backing-chain}: an array, top first. Fails when a backing file is missing. */
    public JsonNode infoChain(Path image, String format, boolean forceShare) {
        return parse(run(infoArgs(image, format, forceShare, true)));
    }

    private static List<String> infoArgs(Path image, String format, boolean forceShare, boolean chain) {
        List<String> args = new ArrayList<>(List.of("info", "--output=json"));
        if (format != null) {
            args.add("-f");
            args.add(format);
        }
        if (chain) {
            args.add("--backing-chain");
        }
        if (forceShare) {
            args.add("-U");
        }
        args.add(image.toString());
        return args;
    }

    /**
     * {@code check --output=json -f FMT IMAGE}. Exit 0 consistent, 2 corrupted, 3 leaked clusters only,
     * 63 the format cannot be checked; 1 (check could not complete) throws.
     */
    public CheckResult check(Path image, String format) {
        CommandResult result = runner.run(Command.of(argv(List.of("check", "--output=json", "-f", format,
                image.toString()))).accepting(0, 2, 3, 63));
        JsonNode report = result.stdoutText().isBlank() ? null : parse(result);
        return new CheckResult(result.exitCode(), report);
    }

    /** {@code convert -f SRCFMT -O DSTFMT SRC DST}: a full copy, flattening any backing chain. */
    public void convert(Path source, String sourceFormat, Path target, String targetFormat) {
        run("convert", "-q", "-f", sourceFormat, "-O", targetFormat, source.toString(), target.toString());
    }

    /** Where long copies ({@link #export}) report how far they are; none by default. */
    public void progress(Progress progress) {
        this.progress = progress;
    }

    /**
     * {@code convert -p -U [-c] -f SRCFMT -O DSTFMT SRC DST}: a standalone copy of an image another process may hold
     * (force-share: only for files nobody writes, such as a frozen file), compressed when asked (qcow2 only). Its
     * progress meter is reported as "export to DST" in bytes of {@code virtualSize}.
     */
    public void export(Path source, String sourceFormat, Path target, String targetFormat, boolean compress,
                       long virtualSize) {
        List<String> args = new ArrayList<>(List.of("convert", "-p", "-U"));
        if (compress) {
            args.add("-c");
        }
        args.addAll(List.of("-f", sourceFormat, "-O", targetFormat, source.toString(), target.toString()));
        runner.run(Command.of(argv(args)).withTimeout(java.time.Duration.ofHours(12)),
                new ConvertProgress(progress, "export to " + target.getFileName(), Math.max(virtualSize, 0)));
    }

    /**
     * {@code convert -U -l snapshot.name=TAG -f qcow2 -O qcow2 IMAGE TARGET}: the state of an internal snapshot as a
     * standalone qcow2 file. The image may be held by a running QEMU: the snapshot's clusters are copy-on-write,
     * so what is read does not change while the guest writes.
     */
    public void convertSnapshot(Path image, String tag, Path target) {
        runner.run(Command.of(argv(List.of("convert", "-q", "-U", "-l", "snapshot.name=" + tag, "-f", "qcow2",
                "-O", "qcow2", image.toString(), target.toString()))).withTimeout(java.time.Duration.ofHours(12)));
    }

    /** The {@code --image-opts} form of a qcow2 file: QEMU option syntax, where a comma is written twice. */
    private static String qcow2Opts(Path image) {
        return "driver=qcow2,file.filename=" + image.toString().replace(",", ",,");
    }

    private CommandResult run(String... args) {
        return run(List.of(args));
    }

    private CommandResult run(List<String> args) {
        return runner.run(Command.of(argv(args)));
    }

    private List<String> argv(List<String> args) {
        List<String> argv = new ArrayList<>(args.size() + 1);
        argv.add(binary);
        argv.addAll(args);
        return argv;
    }

    private JsonNode parse(CommandResult result) {
        try {
            return json.readTree(result.stdoutText());
        } catch (JacksonException e) {
            throw new HostException(result.command().display() + ": output is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * What {@code qemu-img check} found.
     *
     * @param exitCode 0 consistent, 2 corrupted, 3 leaks only, 63 not checkable
     * @param report   its JSON report, or null when it printed none
     */
    public record CheckResult(int exitCode, JsonNode report) {
        public boolean consistent() {
            return exitCode == 0;
        }

        public boolean corrupt() {
            return exitCode == 2;
        }

        public boolean leaksOnly() {
            return exitCode == 3;
        }
    }
}
