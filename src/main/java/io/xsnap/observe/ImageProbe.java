package io.xsnap.observe;

import io.xsnap.host.image.ImageInfo;
import java.nio.file.Path;

/** Reads one image's header (the native reader in production, canned values in tests). */
@FunctionalInterface
public interface ImageProbe {
    /**
     * @param format "qcow2", "raw", or null to detect (qcow2 by its magic, else raw)
     * @throws io.xsnap.host.image.ImageException when the file is missing or not a valid image
     */
    ImageInfo read(Path path, String format);
}
