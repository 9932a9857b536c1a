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
 * @param backingPath     the backing name resolved against the image's own directory, or null
 * @param backingFormat   the backing format from the header extension, or null
 * @param dataFile        the external data file name, or null
 * @param dirty           the dirty bit is set
 * @param corrupt         the corrupt bit is set
 * @param snapshots       the internal snapshot table, in table order
 * @param allocatedBytes  bytes of data this layer itself holds (allocated clusters; file size for raw)
 */
public record ImageInfo(Path path, String format, long virtualSize, int version, long clusterSize,
                        String backingFile, Path backingPath, String backingFormat, String dataFile,
                        boolean dirty, boolean corrupt, List<InternalSnapshot> snapshots, long allocatedBytes) {
    public ImageInfo {
        snapshots = List.copyOf(snapshots);
    }

    public boolean hasSnapshot(String name) {
        return snapshots.stream().anyMatch(s -> s.name().equals(name));
    }
}
