package io.xsnap.host.image;

import java.nio.file.Path;
import java.util.List;

/**
 * The facts xsnap needs about one image file, read from its header.
 *
 * @param path            the file, as given (absolute when the caller passed an absolute path)
 * @param format          "qcow2" or "raw"
 * @param virtualSize     guest-visible size in bytes
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
 * @param fileSize        the file's length: for qcow2 its metadata plus the clusters this layer itself holds,
 *                        so the cost of copying the layer's data elsewhere
 */
public record ImageInfo(Path path, String format, long virtualSize, int version, long clusterSize,
                        String backingFile, Path backingPath, String backingFormat, String dataFile,
                        boolean dirty, boolean corrupt, List<InternalSnapshot> snapshots, long fileSize) {
    public ImageInfo {
        snapshots = List.copyOf(snapshots);
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
