package io.xsnap.host.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.HostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deriving a restore config from a domain's xl config file: only the disk targets change. */
class XlConfigFileTest {
    static final String CFG = """
            # web01, made by hand
            name = "web01"
            memory = 1024   # MiB
            vif = [ 'bridge=xenbr0' ]
            disk = [ 'format=qcow2, vdev=xvda, access=rw, target=/img/web01.qcow2',  # root
                     "/img/data.raw,raw,xvdb,rw",
                     'backendtype=phy, vdev=xvdc, target=/img/logs,with,commas.raw',
                     '/img/seed.iso,raw,hdc:cdrom,r' ]
            on_crash = "preserve"
            """;

    @Test
    void disksAreReadPositionallyAndByKey() {
        XlConfigFile f = XlConfigFile.parse("/etc/xen/web01.cfg", CFG);
        assertEquals(List.of("xvda", "xvdb", "xvdc", "hdc"), f.disks().stream().map(XlDiskSpec::vdev).toList());
        assertEquals("/img/logs,with,commas.raw", f.disks().get(2).target(), "target= swallows the rest");
        assertEquals("raw", f.disks().get(1).format());
        assertTrue(f.disks().get(3).cdrom());
        assertEquals(Set.of("xvda", "xvdb", "xvdc"), f.diskVdevs());
    }

    @Test
    void theDerivedConfigPointsTheListedDisksElsewhereAndKeepsEverythingElse() {
        XlConfigFile f = XlConfigFile.parse("/etc/xen/web01.cfg", CFG);
        String derived = f.withTargets(Map.of(
                "xvdb", new XlConfigFile.Target(Path.of("/store/web01/layers/xvdb.1.qcow2"), "qcow2"),
                "xvdc", new XlConfigFile.Target(Path.of("/store/web01/layers/xvdc.1.qcow2"), "qcow2")));
        assertEquals("""
                # web01, made by hand
                name = "web01"
                memory = 1024   # MiB
                vif = [ 'bridge=xenbr0' ]
                disk = [
                    'format=qcow2, vdev=xvda, access=rw, target=/img/web01.qcow2',
                    'format=qcow2, vdev=xvdb, access=rw, target=/store/web01/layers/xvdb.1.qcow2',
                    'format=qcow2, vdev=xvdc, target=/store/web01/layers/xvdc.1.qcow2',
                    '/img/seed.iso,raw,hdc:cdrom,r',
                ]
                on_crash = "preserve"
                """, derived, "backendtype=phy is dropped for a qcow2 target: only qdisk serves qcow2");
        assertEquals(derived, XlConfigFile.parse("x", derived).withTargets(Map.of()), "parses again, unchanged");
    }

    @Test
    void problemsNameTheFileAndLine() {
        HostException missing = assertThrows(HostException.class, () -> XlConfigFile.parse("/etc/xen/web01.cfg", CFG)
                .withTargets(Map.of("xvdz", new XlConfigFile.Target(Path.of("/a"), "qcow2"))));
        assertTrue(missing.getMessage().contains("/etc/xen/web01.cfg: its disk list has no xvdz (it has xvda, xvdb, xvdc)"),
                missing.getMessage());
        HostException open = assertThrows(HostException.class,
                () -> XlConfigFile.parse("w.cfg", "name = 'w'\ndisk = [ 'vdev=xvda, target=/a',\n"));
        assertEquals("w.cfg:2: a list that is never closed with ]", open.getMessage());
        HostException noVdev = assertThrows(HostException.class,
                () -> XlConfigFile.parse("w.cfg", "name = 'w'\n\ndisk = [ '/a,raw' ]\n"));
        assertTrue(noVdev.getMessage().startsWith("w.cfg:3: disk '/a,raw' has no vdev"), noVdev.getMessage());
    }

    @Test
    void aClonesConfigHasTheNewNameUuidAndMacsAndKeepsTheRest() {
        String text = "name = \"web01\"\nuuid = \"11111111-2222-3333-4444-555555555555\"\nmemory = 512\n"
                + "vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0',\n        'bridge=xenbr1,mac=00:16:3e:00:00:02' ]\n"
                + "extra = \"mac=00:16:3e:00:00:09\"\n";
        int[] n = {0};
        String clone = XlConfigFile.forClone(text, "app1", "99999999-2222-3333-4444-555555555555",
                () -> "02:00:00:00:00:0" + ++n[0]);
        assertEquals("name = \"app1\"\nuuid = \"99999999-2222-3333-4444-555555555555\"\nmemory = 512\n"
                + "vif = [ 'mac=02:00:00:00:00:01,bridge=xenbr0',\n        'bridge=xenbr1,mac=02:00:00:00:00:02' ]\n"
                + "extra = \"mac=00:16:3e:00:00:09\"\n", clone);
    }

    @Test
    void freshMacsAreInXensOuiLikeTheOnesLibxlMakes() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            String mac = XlConfigFile.freshMac(random);
            assertTrue(mac.matches("00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}"), mac);
        }
    }
}
