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

    public static String read(StoreLayout layout, String domain) throws IOException {
        Path f = file(layout, domain);
        return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8).strip() : null;
    }

    static void write(StoreLayout layout, String domain, String snapshot) throws IOException {
        StoreFiles.writeAtomically(file(layout, domain), snapshot.getBytes(StandardCharsets.UTF_8));
    }
}
