package io.xsnap.apply;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.HostException;
import io.xsnap.observe.Actual;
import io.xsnap.observe.ImageGraph;
import java.nio.file.Path;
import java.util.Map;

/**
 * Before any qemu-img write: no active domain (other than the one the change stops first) has the image in its
 * chain. QEMU's own image locks would refuse such a write for qemu guests, but Xen's QEMU opens images with
 * locking off and blkback takes no lock at all, so xsnap checks itself.
 */
final class ImageWriteGuard {
    private ImageWriteGuard() {
    }

    /**
     * @param except the domain the change has stopped or will stop before writing, or null
     * @param what   the write, for the message ("apply internal snapshot 'x' to")
     */
    static void check(Actual actual, Path image, String except, String what) {
        for (Map.Entry<DomainInfo, DiskInfo> holder : new ImageGraph(actual).holders(image)) {
            DomainInfo d = holder.getKey();
            if (d.state().active() && !d.name().equals(except)) {
                throw new HostException("refusing to " + what + " " + image + ": domain " + d.name() + " ("
                        + d.state().word() + ") uses it as disk " + holder.getValue().vdev()
                        + ", and xsnap never writes an image a running domain uses");
            }
        }
    }
}
