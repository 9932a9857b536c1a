package io.xsnap.observe;

import io.xsnap.host.image.Allocation;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.image.ImageReader;
import java.nio.file.Path;

/** Reads one image's header (the native reader in production, canned values in tests). */
@FunctionalInterface
public interface ImageProbe {
    /**
     * @param format "qcow2", "raw", or null to detect (qcow2 by its magic, else raw)
     * @throws io.xsnap.host.image.ImageException when the file is missing or not a valid image
     */
    ImageInfo read(Path path, String format);

    /**
     * Which clusters a qcow2 image holds, or null when unknown (a raw image, tables too large to read, or a
     * probe that does not read them).
     *
     * @throws io.xsnap.host.image.ImageException when the tables cannot be read
     */
    default Allocation allocation(Path path) {
        return null;
    }

    /** The native reader: headers, and cluster tables where the observer asks for them. */
    static ImageProbe of(ImageReader reader) {
        return new ImageProbe() {
            @Override
            public ImageInfo read(Path path, String format) {
                return reader.read(path, format);
            }

            @Override
            public Allocation allocation(Path path) {
                return reader.allocation(path);
            }
        };
    }
}
