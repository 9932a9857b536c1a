package io.xsnap.host.image;

import io.xsnap.host.HostException;
import java.nio.file.Path;

/** An image that cannot be read or is not valid; the message names the file. */
public final class ImageException extends HostException {
    public ImageException(Path file, String what) {
        super(file + ": " + what);
    }

    public ImageException(Path file, String what, Throwable cause) {
        super(file + ": " + what, cause);
    }
}
