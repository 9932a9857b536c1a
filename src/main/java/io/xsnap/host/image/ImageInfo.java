package io.xsnap.host.image;

import java.nio.file.Path;
import java.util.List;

/**
 * The facts xsnap needs about one image file, read from its header.
 *
 * @param path            the file, as given (absolute when the caller passed an absolute path)
 * @param format          "qcow2" or "raw"
 * @param virtualSize     guest-visible size in bytes, in whole 512-byte sectors as qemu counts it (a raw file
 *                        rounded up, a qcow2 header's value rounded down)
 * @param version         qcow2 version (2 or 3), 0 for raw
 * @param clusterSize     bytes per cluster, 0 for raw
 * @param backingFile     the backing name exactly as stored, or null
 * @param backingPath     the backing name resolved against the image's own directory (not normalized, like
 *                        qemu), or null when there is none or it is not a local file name
 * @param backingFormat   the backing format from the header extension, or null
 * @param dataFile        the external data file name, or null
 * @param dirty           the dirty bit is set
 * @param corrupt         the corrupt bit is set
 * @param snapshots       the internal snapshot table, in table order
 * @param fileSize        the file's length: for qcow2 its metadata plus every cluster it holds (those only its
 *                        internal snapshots use, too), so a rough cost of copying the layer's data elsewhere
 * @param allocatedBytes  the guest data this layer holds in its active cluster tables (what committing it into
 *                        its backing file copies), or -1 when not read ({@link Allocation}; read by the
 *                        observer for the store's layers only)
 * @param backingVisibleBytes the data of its backing file that shows through this layer (what streaming the
 *                        backing file into it copies), or -1 when not read
 * @param details         what only {@code xsnap images} shows (names as qemu-img prints them, format-specific
 *                        values), or null when the image was not read from its header here
 */
public record ImageInfo(Path path, String format, long virtualSize, int version, long clusterSize,
                        String backingFile, Path backingPath, String backingFormat, String dataFile,
                        boolean dirty, boolean corrupt, List<InternalSnapshot> snapshots, long fileSize,
                        long allocatedBytes, long backingVisibleBytes, ImageDetails details) {
    public ImageInfo {
        snapshots = List.copyOf(snapshots);
    }

    /** The facts a header holds, the allocation not read. */
    public ImageInfo(Path path, String format, long virtualSize, int version, long clusterSize,
                     String backingFile, Path backingPath, String backingFormat, String dataFile,
                     boolean dirty, boolean corrupt, List<InternalSnapshot> snapshots, long fileSize) {
        this(path, format, virtualSize, version, clusterSize, backingFile, backingPath, backingFormat, dataFile,
                dirty, corrupt, snapshots, fileSize, -1, -1, null);
    }

    /** The facts without the details only {@code xsnap images} shows. */
    public ImageInfo(Path path, String format, long virtualSize, int version, long clusterSize,
                     String backingFile, Path backingPath, String backingFormat, String dataFile,
                     boolean dirty, boolean corrupt, List<InternalSnapshot> snapshots, long fileSize,
                     long allocatedBytes, long backingVisibleBytes) {
        this(path, format, virtualSize, version, clusterSize, backingFile, backingPath, backingFormat, dataFile,
                dirty, corrupt, snapshots, fileSize, allocatedBytes, backingVisibleBytes, null);
    }

    /** The file name as qemu-img prints it (see {@link ImageDetails#filename}), else the path. */
    public String filename() {
        return details != null ? details.filename() : path.toString();
    }

    /** The same facts with what merging this layer or its backing file would copy. */
    public ImageInfo withMergeCosts(long allocatedBytes, long backingVisibleBytes) {
        return new ImageInfo(path, format, virtualSize, version, clusterSize, backingFile, backingPath,
                backingFormat, dataFile, dirty, corrupt, snapshots, fileSize, allocatedBytes, backingVisibleBytes,
                details);
    }

    /** The same image with another snapshot table (one a planned change adds a tag to). */
    public ImageInfo withSnapshots(List<InternalSnapshot> table) {
        return new ImageInfo(path, format, virtualSize, version, clusterSize, backingFile, backingPath,
                backingFormat, dataFile, dirty, corrupt, table, fileSize, allocatedBytes, backingVisibleBytes,
                details);
    }

    /** The same image with its backing file named by another path to the same file. */
    public ImageInfo withBackingPath(Path backing) {
        return new ImageInfo(path, format, virtualSize, version, clusterSize, backingFile, backing,
                backingFormat, dataFile, dirty, corrupt, snapshots, fileSize, allocatedBytes, backingVisibleBytes,
                details);
    }

    public boolean hasSnapshot(String name) {
        for (InternalSnapshot s : snapshots) {
            if (s.name().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
