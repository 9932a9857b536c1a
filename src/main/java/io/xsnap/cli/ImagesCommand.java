package io.xsnap.cli;

import io.xsnap.host.image.ImageChain;
import io.xsnap.host.image.ImageException;
import io.xsnap.host.image.ImageReader;
import io.xsnap.host.xl.XlSaveFile;
import io.xsnap.render.ImagesJsonView;
import io.xsnap.render.ImagesTextView;
import io.xsnap.render.ImagesView;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xsnap images}: what {@code qemu-img info --backing-chain} says, read natively from the headers. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = {
            "Show images with their backing chains (top to base) and internal snapshots, read from the image "
                + "headers without starting qemu-img. An xl save file (guest memory) shows the domain and disks its "
                + "header names.",
            "With --json each chain element has the keys of `qemu-img info --output=json --backing-chain` "
                + "(format-specific holds what the qcow2 header says; not bitmaps nor the details of encrypt)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:every image and backing file was read",
            "1:an image or a backing file is missing or unreadable (the other paths are still shown)"})
public final class ImagesCommand implements Callable<Integer> {
    /** How to take the images named on the command line; backing files use the format their overlay names. */
    enum Format {
        AUTO(null), QCOW2(ImageReader.QCOW2), RAW(ImageReader.RAW);

        final String readerFormat;

        Format(String readerFormat) {
            this.readerFormat = readerFormat;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON: {format_version, images: [{path, chain, error}]}.")
    boolean json;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", defaultValue = "auto",
            description = "Format of the given images: qcow2, raw or auto (qcow2 when the file starts with the "
                    + "qcow2 magic, else raw; default ${DEFAULT-VALUE}).")
    Format format;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files or block devices.")
    List<String> paths;

    private final ImageReader reader;

    public ImagesCommand() {
        this(new ImageReader());
    }

    ImagesCommand(ImageReader reader) {
        this.reader = reader;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImagesView view = json ? new ImagesJsonView(out) : new ImagesTextView(out);
        boolean failed = false;
        for (String arg : paths) {
            String error;
            try {
                if (format == Format.AUTO && XlSaveFile.looksLikeSaveFile(Path.of(arg))) {
                    view.saveFile(arg, XlSaveFile.read(Path.of(arg)));
                    continue;
                }
                ImageChain chain = reader.readChain(Path.of(arg), arg, format.readerFormat);
                error = chain.complete() ? null : chain.error().getMessage();
                view.image(arg, chain.images(), error);
            } catch (ImageException e) {
                error = e.getMessage();
                view.image(arg, List.of(), error);
            } catch (InvalidPathException e) {
                error = arg + ": not a valid file name: " + e.getReason();
                view.image(arg, List.of(), error);
            }
            if (error != null) {
                failed = true;
                err.println("xsnap: " + error);
            }
        }
        view.finish();
        out.flush();
        err.flush();
        return failed ? ExitCodes.ERROR : ExitCodes.OK;
    }
}
