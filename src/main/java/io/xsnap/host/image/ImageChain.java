package io.xsnap.host.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A backing chain as far as it could be read: the top image first, then its backing file, down to the base.
 *
 * @param images  top → base; never empty (the top image was read)
 * @param error   why the chain stops early (missing or unreadable backing file, loop, too deep), or null
 *                when the last image has no backing file
 * @param missing the backing file that does not exist when that is why the chain stops, else null
 */
public record ImageChain(List<ImageInfo> images, ImageException error, Path missing) {
    public ImageChain {
        images = List.copyOf(images);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("a chain has at least its top image");
        }
    }

    /** The chain reaches an image without a backing file. */
    public boolean complete() {
        return error == null;
    }

    public ImageInfo top() {
        return images.get(0);
    }
}
