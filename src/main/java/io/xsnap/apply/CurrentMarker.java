package io.xsnap.apply;

import io.xsnap.observe.StoreLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code <store>/<domain>/.current}: the snapshot the domain last came from (created or reverted to). */
public final class CurrentMarker {
    private CurrentMarker() {
    }

    public static Path file(StoreLayout layout, String domain) {
        return layout.currentMarker(domain);
    }

    /**
     * The name in the marker, or null when there is none. The marker is store data (invariant 8): a marker that is
     * not a link-free small file holding one plain name counts as none, so it cannot become a new snapshot's parent.
     */
    public static String read(StoreLayout layout, String domain) throws IOException {
        Path f = file(layout, domain);
        if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(f) > 256) {
            return null;
        }
        String name = Files.readString(f, StandardCharsets.UTF_8).strip();
        try {
            return io.xsnap.observe.StorePaths.plainName(name, f, "the current snapshot");
        } catch (io.xsnap.observe.StorePaths.DamagedRecord e) {
            return null;
        }
    }

    static void write(StoreLayout layout, String domain, String snapshot) throws IOException {
        StoreFiles.writeAtomically(file(layout, domain), snapshot.getBytes(StandardCharsets.UTF_8));
    }
}
