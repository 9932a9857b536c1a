package io.xsnap.render;

import io.xsnap.host.image.ImageInfo;
import io.xsnap.host.xl.XlSaveFile;
import java.util.List;

/** Shows images and their backing chains, one command-line PATH at a time, in a stable order. */
public interface ImagesView {
    /**
     * One PATH as the user gave it.
     *
     * @param chain top → base as far as it was read; empty when the path itself could not be read
     * @param error why the chain is incomplete, or null
     */
    void image(String path, List<ImageInfo> chain, String error);

    /** One PATH that is an {@code xl save} file: which domain and disks its header names. */
    void saveFile(String path, XlSaveFile file);

    /** Ends the output (closes the JSON document); call once, after the last image. */
    void finish();
}
