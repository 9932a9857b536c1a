package io.xsnap.host.image;

/**
 * What {@code qemu-img info} shows of an image beyond the facts xsnap plans with: names as qemu-img prints
 * them and the qcow2 header's format-specific values.
 *
 * @param filename            the file name as qemu-img prints it: as given for the top of a chain, else the
 *                            {@code full-backing-filename} of the overlay above (not normalized: "a//b", "sub/../b")
 * @param fullBackingFilename the backing name joined to the directory part of {@code filename} as text, the
 *                            name itself when it is absolute or a protocol name ("json:{...}", "nbd://..."), or
 *                            null without a backing file
 * @param encrypted           crypt_method is not 0 (AES or LUKS)
 * @param lazyRefcounts       the lazy refcounts compatible feature
 * @param refcountBits        width of a refcount entry, 1 to 64 (0 for raw)
 * @param extendedL2          the extended L2 (subcluster) incompatible feature
 * @param compressionType     "zlib" or "zstd" (null for raw)
 * @param externalDataFile    the external data file incompatible feature is set (qemu then shows data-file-raw)
 * @param dataFileRaw         the raw external data autoclear bit
 */
public record ImageDetails(String filename, String fullBackingFilename, boolean encrypted, boolean lazyRefcounts,
                           int refcountBits, boolean extendedL2, String compressionType, boolean externalDataFile,
                           boolean dataFileRaw) {

    /** A raw image: only its name. */
    static ImageDetails raw(String filename) {
        return new ImageDetails(filename, null, false, false, 0, false, null, false, false);
    }
}
