package io.xsnap.host.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code xl list -l} and {@code xl list} as Xen 4.17 prints them (libxl's JSON: defaults left out, enums lowercase). */
class XlListTest {
    static final String LIST_LONG = """
            [
                {
                    "domid": 0,
                    "config": {"c_info": {"type": "pv", "name": "Domain-0"}, "b_info": {}}
                },
                {
                    "domid": 7,
                    "config": {
                        "c_info": {
                            "type": "hvm",
                            "name": "web01",
                            "uuid": "5d1b7a4e-8a2b-4c55-9d16-0d2d0f3c9a11",
                            "run_hotplug_scripts": "True"
                        },
                        "b_info": {
                            "max_vcpus": 2,
                            "avail_vcpus": [0, 1],
                            "max_memkb": 1048576,
                            "target_memkb": 1048576,
                            "device_model_version": "qemu_xen",
                            "type.hvm": {"vga": {"kind": "cirrus"}}
                        },
                        "disks": [
                            {"pdev_path": "/img/web01.qcow2", "vdev": "xvda", "backend": "qdisk", "format": "qcow2",
                             "readwrite": 1},
                            {"pdev_path": "/img/web01-data.raw", "vdev": "xvdb", "backend": "phy", "format": "raw",
                             "readwrite": 1},
                            {"pdev_path": "/img/seed.iso", "vdev": "hdc", "backend": "qdisk", "format": "raw",
                             "removable": 1, "is_cdrom": 1},
                            {"vdev": "hdd", "format": "empty", "removable": 1, "is_cdrom": 1},
                            {"pdev_path": "/img/ro.raw", "vdev": "xvdc", "format": "raw"},
                            {"pdev_path": "/img/old.qcow2", "vdev": "xvdd", "format": "qcow2", "readwrite": 1},
                            {"pdev_path": "/dev/vg0/lv", "vdev": "xvde", "readwrite": 1}
                        ],
                        "on_reboot": "restart"
                    }
                },
                {
                    "domid": 9,
                    "config": {
                        "c_info": {"type": "hvm", "name": "stub box"},
                        "b_info": {"device_model_stubdomain": "True"}
                    }
                },
                {
                    "domid": 12,
                    "config": {"c_info": {"type": "pvh", "name": "gone"}}
                }
            ]
            """;

    static final String TABLE = """
            Name                                        ID   Mem VCPUs\tState\tTime(s)
            Domain-0                                     0  4096     4     r-----    1234.5
            web01                                        7  1024     2     -b----      12.0
            stub box                                     9   512     1     --p---       3.2
            """;

    @Test
    void domainsWithTheirDisksBackendsAndStates() {
        List<XlDomain> domains = XlList.parse(LIST_LONG, TABLE);
        assertEquals(List.of("stub box", "web01"), domains.stream().map(XlDomain::name).toList(),
                "dom0 and a domain gone between the two calls are left out");
        XlDomain web = domains.get(1);
        assertEquals(7, web.domid());
        assertEquals(RunState.RUNNING, web.state(), "blocked (idle) is running");
        assertFalse(web.stubdom());
        assertEquals(List.of(
                new XlDomain.Disk("xvda", Path.of("/img/web01.qcow2"), "qcow2", "qdisk", false),
                new XlDomain.Disk("xvdb", Path.of("/img/web01-data.raw"), "raw", "phy", false),
                new XlDomain.Disk("xvdc", Path.of("/img/ro.raw"), "raw", "phy", true),
                new XlDomain.Disk("xvdd", Path.of("/img/old.qcow2"), "qcow2", "qdisk", false),
                new XlDomain.Disk("xvde", Path.of("/dev/vg0/lv"), "raw", "phy", false)), web.disks(),
                "CD-ROMs left out; no readwrite = read-only; no backend = libxl's choice; no format = raw");
        assertEquals("xvda-qcow2", web.disks().get(0).nodeName());
        assertTrue(web.configJson().contains("\"uuid\":\"5d1b7a4e"), web.configJson());
        XlDomain stub = domains.get(0);
        assertTrue(stub.stubdom());
        assertEquals(RunState.PAUSED, stub.state());
    }

    @Test
    void theStateColumn() {
        assertEquals(RunState.RUNNING, XlList.state("r-----"));
        assertEquals(RunState.RUNNING, XlList.state("------"));
        assertEquals(RunState.PAUSED, XlList.state("-bp---"));
        assertEquals(RunState.SHUTDOWN, XlList.state("---s--"));
        assertEquals(RunState.SHUTDOWN, XlList.state("---sr-"));
        assertEquals(RunState.CRASHED, XlList.state("---sc-"));
        assertEquals(RunState.DYING, XlList.state("--ps-d"));
    }

    @Test
    void outputThatIsNotTheDocumentedShapeIsAClearError() {
        assertTrue(assertThrows(HostException.class, () -> XlList.parse("not json", TABLE)).getMessage()
                .contains("xl list -l: output is not JSON"));
        assertTrue(assertThrows(HostException.class, () -> XlList.parse("{}", TABLE)).getMessage()
                .contains("expected a JSON array"));
        assertTrue(assertThrows(HostException.class, () -> XlList.parse("[{\"domid\": 7}]", TABLE)).getMessage()
                .contains("without domid or config"));
        String noVdev = "[{\"domid\": 7, \"config\": {\"c_info\": {\"name\": \"web01\"}, \"disks\": [{\"pdev_path\": \"/a\"}]}}]";
        assertTrue(assertThrows(HostException.class, () -> XlList.parse(noVdev, TABLE)).getMessage()
                .contains("domain web01 has a disk without vdev"));
    }

    /**
     * Verbatim from real Xen 4.17 in the lab (ci/xen-lab.sh, docs/xen-lab.md): a PV domain with a qcow2 disk and a raw
     * disk. libxl leaves {@code backend} out for both (qdisk for the qcow2 one, phy/blkback for the raw one: xenstore
     * showed {@code backend/qdisk/<id>/51712 type "qdisk"} and {@code backend/vbd/<id>/51728 type "phy"}), writes
     * {@code c_info.domid} 4294967295 and {@code colo_restore_enable "False"}; the State column of a domain waiting
     * for a CPU under load was {@code ------}.
     */
    @Test
    void whatXen417PrintedForAPvDomainWithAQcow2AndARawDisk() throws java.io.IOException {
        String longList = resource("xl-list-l-xen-4.17-pv.json");
        String table = resource("xl-list-xen-4.17-pv.txt");
        List<XlDomain> domains = XlList.parse(longList, table);
        assertEquals(1, domains.size());
        XlDomain web = domains.get(0);
        assertEquals("web02", web.name());
        assertEquals(4, web.domid());
        assertEquals(RunState.RUNNING, web.state());
        assertEquals(List.of(
                new XlDomain.Disk("xvda", Path.of("/lab/xfs/web02-a.qcow2"), "qcow2", "qdisk", false),
                new XlDomain.Disk("xvdb", Path.of("/lab/xfs/web02-b.raw"), "raw", "phy", false)), web.disks());
        assertEquals("xvda-qcow2", web.disks().get(0).nodeName());
    }

    private static String resource(String name) throws java.io.IOException {
        try (java.io.InputStream in = XlListTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
