package io.xsnap.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.RestartRecipe;
import io.xsnap.host.RunState;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Manifest;
import io.xsnap.observe.StoreLayout;
import io.xsnap.observe.StoredSnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Invariant 2, each condition on its own: a file is deleted only when every one of them allows it. */
class RemovalGuardTest {
    static final StoreLayout STORE = new StoreLayout(Path.of("/store"));
    static final RemovalGuard GUARD = new RemovalGuard(STORE);

    private static ImageInfo image(String path, String backing) {
        return new ImageInfo(Path.of(path), "qcow2", 1 << 20, 3, 65536, backing, backing == null ? null : Path.of(backing),
                backing == null ? null : "qcow2", null, false, false, List.of(), 0);
    }

    private static StoredSnapshot external(String name, String frozen) {
        return new StoredSnapshot(new Manifest(1, name, "web01", "qemu", Instant.EPOCH, null, "running", null,
                List.of(new Manifest.Disk("xvda", "external", "qcow2", null, null, frozen, null)), null,
                new RestartRecipe(List.of("qemu-system-x86_64"), null)), 0);
    }

    private static Actual host(List<ImageInfo> images, List<StoredSnapshot> snapshots) {
        DomainInfo web01 = new DomainInfo("web01", "qemu", 1, RunState.RUNNING,
                List.of(new DiskInfo("xvda", Path.of("/store/web01/layers/xvda.2.qcow2"), "qcow2", "xvda", false)));
        return new Actual("qemu", List.of(web01), images, snapshots, List.of(), List.of());
    }

    @Test
    void eachConditionRefusesOnItsOwn() {
        Actual a = host(List.of(image("/img/base.qcow2", null), image("/store/web01/layers/xvda.1.qcow2", "/img/base.qcow2"),
                        image("/store/web01/layers/xvda.2.qcow2", "/store/web01/layers/xvda.1.qcow2"),
                        image("/store/web02/layers/gold.qcow2", null), image("/img/web02.qcow2", "/store/web02/layers/gold.qcow2"),
                        image("/store/web01/layers/orphan.qcow2", null), image("/store/web01/layers/named.qcow2", null)),
                List.of(external("s1", "/store/web01/layers/named.qcow2"), external("s2", "/store/web01/layers/orphan.qcow2")));
        assertEquals("/img/base.qcow2 lies outside the store /store", GUARD.refusal(Path.of("/img/base.qcow2"), a, "web01/s2"));
        assertEquals("/store/web01/layers/xvda.1.qcow2 is in the active chain of web01 disk xvda",
                GUARD.refusal(Path.of("/store/web01/layers/xvda.1.qcow2"), a, "web01/s2"));
        assertEquals("/store/web01/layers/named.qcow2 belongs to snapshot web01/s1",
                GUARD.refusal(Path.of("/store/web01/layers/named.qcow2"), a, "web01/s2"));
        assertEquals("/store/web02/layers/gold.qcow2 is the backing file of /img/web02.qcow2",
                GUARD.refusal(Path.of("/store/web02/layers/gold.qcow2"), a, "web01/s2"));
        assertNull(GUARD.refusal(Path.of("/store/web01/layers/orphan.qcow2"), a, "web01/s2"),
                "the snapshot being deleted may remove its own frozen file once nothing else needs it");
        assertEquals("/store/web01/layers/orphan.qcow2 belongs to snapshot web01/s2",
                GUARD.refusal(Path.of("/store/web01/layers/orphan.qcow2"), a, "web01/s1"));
    }

    @Test
    void dotDotCannotLeaveTheStore() {
        Actual a = host(List.of(), List.of());
        assertEquals("/etc/passwd lies outside the store /store",
                GUARD.refusal(Path.of("/store/web01/../../etc/passwd"), a, "web01/s"));
    }
}
