package io.xsnap.host.image;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads qcow2 (versions 2 and 3) and raw image headers natively: the header, its extensions, the backing
 * file name and the internal snapshot table; never the data. Every read is bounded (see {@link Qcow2Header}
 * and {@link SnapshotTable}), and every problem with a file — missing, unreadable, truncated, corrupt, or
 * using a feature xsnap does not know — is an {@link ImageException} that names the file.
 *
 * <p>Formats: {@code "qcow2"} requires the qcow2 magic; {@code "raw"} takes the file as it is; {@code null}
 * probes like qemu-img: qcow2 when the magic is there, raw otherwise (other known formats are refused).
 * Only probe files that are not configured as raw elsewhere: a guest can write a qcow2 header into a raw disk.
 */
public final class ImageReader {
    public static final String QCOW2 = "qcow2";
    public static final String RAW = "raw";
    public static final int DEFAULT_MAX_CHAIN_DEPTH = 256;
    private static final long SECTOR = 512;

    private final int maxChainDepth;

    public ImageReader() {
        this(DEFAULT_MAX_CHAIN_DEPTH);
    }

    /** @param maxChainDepth the most images a chain may hold, top included */
    public ImageReader(int maxChainDepth) {
        if (maxChainDepth < 1) {
            throw new IllegalArgumentException("maxChainDepth must be at least 1");
        }
        this.maxChainDepth = maxChainDepth;
    }

    /**
     * Reads one image.
     *
     * @param format "qcow2", "raw", or null to probe
     */
    public ImageInfo read(Path file, String format) {
        return open(file, file.toString(), format).info();
    }

    /**
     * Reads an image and follows its backing files. A problem with the top image throws; a problem further
     * down ends the chain early with {@link ImageChain#error()} set, keeping what was read.
     * A backing file is read in the format its overlay names, or probed when the overlay names none.
     */
    public ImageChain readChain(Path top, String format) {
        return readChain(top, top.toString(), format);
    }

    /**
     * {@link #readChain(Path, String)} with the name the caller was given for {@code top}, which qemu-img
     * prints as it is ("a//b.qcow2") and joins relative backing names to.
     */
    public ImageChain readChain(Path top, String name, String format) {
        Read first = open(top, name, format);
        List<ImageInfo> images = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        images.add(first.info());
        seen.add(first.identity());
        ImageInfo current = first.info();
        while (current.backingFile() != null) {
            Path next = current.backingPath();
            String nextFormat = current.backingFormat();
            if (images.size() >= maxChainDepth) {
                return stop(images, new ImageException(top, "backing chain is deeper than " + maxChainDepth
                        + " images"), null);
            }
            if (next == null) {
                return stop(images, new ImageException(current.path(), "backing file '" + current.backingFile()
                        + "' is not a local file name; xsnap follows only local files"), null);
            }
            if (nextFormat != null && !QCOW2.equals(nextFormat) && !RAW.equals(nextFormat)) {
                return stop(images, new ImageException(current.path(), "backing file " + next + " has format "
                        + nextFormat + "; xsnap reads only qcow2 and raw"), null);
            }
            Read read;
            try {
                read = open(next, current.details().fullBackingFilename(), nextFormat);
            } catch (ImageException e) {
                if (Files.notExists(next)) {
                    return stop(images, new ImageException(next, "does not exist (backing file of "
                            + current.path() + ")"), next);
                }
                return stop(images, e, null);
            }
            if (!seen.add(read.identity())) {
                return stop(images, new ImageException(next, "backing loop: already in the chain of " + top), null);
            }
            images.add(read.info());
            current = read.info();
        }
        return new ImageChain(images, null, null);
    }

    /**
     * Which clusters a qcow2 image holds ({@link Allocation}), from its active L1/L2 tables; null for a raw
     * image, or when the tables are too large to read here (see {@link Allocation#MAX_L2_BYTES}).
     *
     * @throws ImageException when the file is not a readable qcow2 image or a table lies outside it
     */
    public Allocation allocation(Path file) {
        try (ImageFile f = ImageFile.open(file)) {
            if (!QCOW2.equals(FormatProbe.detect(f))) {
                return null;
            }
            return Allocation.read(f, Qcow2Header.read(f));
        } catch (ImageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ImageException(file, "cannot parse its cluster tables: " + e, e);
        }
    }

    /**
     * Where qemu looks for a backing file: an absolute name as it is; a relative one against the directory
     * of the overlay (as given, so "sub/mid.qcow2" with "../base.qcow2" gives "sub/../base.qcow2", which
     * is also what qemu-img prints — not normalized, since "sub" may be a symbolic link).
     * Null when the name is not a local file (a "protocol:" prefix such as nbd: or json:).
     */
    static Path resolveBacking(Path image, String name) {
        if (name == null || hasProtocol(name)) {
            return null;
        }
        try {
            Path backing = Path.of(name);
            Path dir = image.getParent();
            return backing.isAbsolute() || dir == null ? backing : dir.resolve(backing);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** qemu's path_has_protocol: a colon before any slash. */
    private static boolean hasProtocol(String name) {
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        return colon >= 0 && (slash < 0 || colon < slash);
    }

    private static ImageChain stop(List<ImageInfo> images, ImageException error, Path missing) {
        return new ImageChain(images, error, missing);
    }

    private record Read(ImageInfo info, Object identity) {
    }

    private static Read open(Path file, String name, String format) {
        if (format != null && !QCOW2.equals(format) && !RAW.equals(format)) {
            throw new ImageException(file, "format " + format + " is not supported (xsnap reads qcow2 and raw)");
        }
        try (ImageFile f = ImageFile.open(file)) {
            String actual = format != null ? format : FormatProbe.detect(f);
            ImageInfo info = RAW.equals(actual) ? raw(f, name) : qcow2(f, name);
            Object identity = f.fileKey() != null ? f.fileKey() : file.toAbsolutePath().normalize();
            return new Read(info, identity);
        } catch (ImageException e) {
            throw e;
        } catch (RuntimeException e) {
            // A bug in the bounds checks must still surface as a problem with this file, not a crash.
            throw new ImageException(file, "cannot parse: " + e, e);
        }
    }

    /** qemu counts a raw file in 512-byte sectors, rounding up: a 1000-byte file has the virtual size 1024. */
    private static ImageInfo raw(ImageFile f, String name) {
        long virtualSize = (f.size() + SECTOR - 1) & -SECTOR;
        return new ImageInfo(f.path(), RAW, virtualSize, 0, 0, null, null, null, null, false, false, List.of(),
                f.size(), -1, -1, ImageDetails.raw(name));
    }

    /** qemu counts a qcow2 image's virtual size in 512-byte sectors too, rounding the header's value down. */
    private static ImageInfo qcow2(ImageFile f, String name) {
        Qcow2Header h = Qcow2Header.read(f);
        List<InternalSnapshot> snapshots = SnapshotTable.read(f, h);
        if ((h.incompatibleFeatures() & Qcow2Header.INCOMPAT_DATA_FILE) != 0) {
            // qemu reads and checks the table on open but lists no snapshots of an image with an external data
            // file (qcow2_snapshot_list: -ENOTSUP), and cannot apply or take any
            snapshots = List.of();
        }
        ImageDetails details = new ImageDetails(name, fullBackingName(name, h.backingFile()), h.cryptMethod() != 0,
                (h.compatibleFeatures() & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0, 1 << h.refcountOrder(),
                h.extendedL2(), h.compressionType() == 1 ? "zstd" : "zlib",
                (h.incompatibleFeatures() & Qcow2Header.INCOMPAT_DATA_FILE) != 0,
                (h.autoclearFeatures() & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0);
        return new ImageInfo(f.path(), QCOW2, h.virtualSize() & -SECTOR, h.version(), h.clusterSize(),
                h.backingFile(), resolveBacking(f.path(), h.backingFile()), h.backingFormat(), h.dataFile(), h.dirty(),
                h.corrupt(), snapshots, f.size(), -1, -1, details);
    }

    /**
     * qemu's full backing name (bdrv_get_full_backing_filename): a protocol or absolute name as it is, else
     * the directory part of the overlay's name as text (up to its last '/') followed by the backing name.
     */
    static String fullBackingName(String overlay, String backing) {
        if (backing == null || backing.isEmpty()) {
            return null;
        }
        if (hasProtocol(backing) || backing.startsWith("/")) {
            return backing;
        }
        int dirEnd = overlay.lastIndexOf('/') + 1;
        if (hasProtocol(overlay)) {
            dirEnd = Math.max(dirEnd, overlay.indexOf(':') + 1);
        }
        return overlay.substring(0, dirEnd) + backing;
    }
}
