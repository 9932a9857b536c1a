package io.xsnap.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A NIC right after an option without a value still gets a fresh MAC in a clone's command line. */
class QemuArgvCloneNicTest {
    @Test
    void aNicAfterAFlagWithoutValueIsRewritten() {
        List<String> argv = List.of("qemu-system-x86_64", "-name", "web01", "-nodefaults", "-device",
                "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01", "-display", "none");
        List<String> clone = QemuArgv.forClone(argv, "web02", Path.of("/run/q"), () -> "02:00:00:00:00:99", "u");
        assertEquals(List.of("qemu-system-x86_64", "-name", "web02", "-nodefaults", "-device",
                "virtio-net-pci,netdev=n0,mac=02:00:00:00:00:99", "-display", "none"), clone);
    }
}
