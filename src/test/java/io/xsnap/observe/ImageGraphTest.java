package io.xsnap.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The holders index, kept as the planner puts planned layers and domains into the graph. */
class ImageGraphTest {
    private static ImageInfo qcow2(String path, String backing) {
        return new ImageInfo(Path.of(path), "qcow2", 1 << 20, 3, 65536, backing, backing == null ? null : Path.of(backing),
                backing == null ? null : "qcow2", null, false, false, List.of(), 0);
    }

    private static DomainInfo domain(String name, String... disks) {
        List<DiskInfo> list = new java.util.ArrayList<>();
        for (int i = 0; i < disks.length; i++) {
            list.add(new DiskInfo("xvd" + (char) ('a' + i), Path.of(disks[i]), "qcow2", null, false));
        }
        return new DomainInfo(name, "qemu", 1, RunState.RUNNING, list);
    }

    private static List<String> names(List<Map.Entry<DomainInfo, DiskInfo>> holders) {
        return holders.stream().map(e -> e.getKey().name() + ":" + e.getValue().vdev()).toList();
    }

    private static List<String> holders(ImageGraph g, String path) {
        return names(g.holders(Path.of(path)));
    }

    @Test
    void holdersFollowPlannedLayersAndDomainsAsAFreshGraphWould() {
        Actual actual = new Actual("qemu", List.of(domain("web", "/i/web.qcow2", "/i/gold.qcow2"), domain("app", "/i/app.qcow2")),
                List.of(qcow2("/i/gold.qcow2", null), qcow2("/i/web.qcow2", "/i/gold.qcow2"),
                        qcow2("/i/app.qcow2", "/i/gold.qcow2")), List.of(), List.of(), List.of(), List.of());
        ImageGraph g = new ImageGraph(actual);
        assertEquals(List.of("app:xvda", "web:xvda", "web:xvdb"), holders(g, "/i/gold.qcow2"));

        g.put(qcow2("/s/web/layers/xvda.1.qcow2", "/i/web.qcow2"));
        g.putDomain(domain("web", "/s/web/layers/xvda.1.qcow2", "/i/gold.qcow2"));
        assertEquals(List.of("app:xvda", "web:xvda", "web:xvdb"), holders(g, "/i/gold.qcow2"));
        assertEquals(List.of("web:xvda"), holders(g, "/s/web/layers/xvda.1.qcow2"));
        assertEquals(List.of("web:xvda"), holders(g, "/i/web.qcow2"));

        g.putDomain(domain("app", "/i/other.qcow2"));
        assertEquals(List.of("web:xvda", "web:xvdb"), holders(g, "/i/gold.qcow2"));
        assertEquals(List.of(), holders(g, "/i/app.qcow2"));

        g.put(qcow2("/i/other.qcow2", "/i/gold.qcow2"));
        assertEquals(List.of("app:xvda", "web:xvda", "web:xvdb"), holders(g, "/i/gold.qcow2"));

        g.remove(Path.of("/i/other.qcow2"));
        assertEquals(List.of("web:xvda", "web:xvdb"), holders(g, "/i/gold.qcow2"));
        assertEquals(List.of("app:xvda"), holders(g, "/i/other.qcow2"));

        g.removeDomain("web");
        assertEquals(List.of(), holders(g, "/i/gold.qcow2"));
        assertEquals(List.of("app:xvda"), holders(g, "/i/other.qcow2"));
    }
}
