package io.xsnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's snapshot cfgfile: settings, the disks list, and errors that name the line. */
class SnapshotCfgFileTest {
    @Test
    void theSeedsCfgfile() {
        SnapshotCfgFile cfg = SnapshotCfgFile.parse("snap.cfg", """
                # a domain snapshot of web01
                name="snap1"
                description = 'before the upgrade'   # why
                memory_path="/var/lib/xen/snapshots/web01/snap1.save"
                disks=['/path/hda_snap.qcow2,qcow2,hda',
                       ',,hdb']
                """);
        assertEquals("snap1", cfg.name());
        assertEquals("before the upgrade", cfg.description());
        assertEquals("/var/lib/xen/snapshots/web01/snap1.save", cfg.memoryPath());
        assertEquals(List.of(new SnapshotCfgFile.Disk("hda", Path.of("/path/hda_snap.qcow2"), "qcow2", 5),
                new SnapshotCfgFile.Disk("hdb", null, null, 6)), List.copyOf(cfg.disks().values()));
        assertNull(SnapshotCfgFile.parse("s.cfg", "name = 'x'\nmemory_path = ''\n").memoryPath(),
                "an empty memory_path means disk-only");
    }

    @Test
    void brokenCfgfilesNameTheirLine() {
        assertError("name = 'a'\n\nsize = 3\n", "s.cfg:3: unknown setting 'size' (expected name, description, memory_path, disks)");
        assertError("name = 'a\n", "s.cfg:1: name: a string that is not closed on its line");
        assertError("name = 'a'\ndisks = ['/x,qcow2,hda',\n  '/y,qcow2']\n",
                "s.cfg:3: disk '/y,qcow2' must be 'PATH,FORMAT,VDEV' (an empty PATH means internal)");
        assertError("name = 'a'\ndisks = [',vmdk,hda']\n", "s.cfg:2: disk ',vmdk,hda': format must be qcow2, raw or empty, not 'vmdk'");
        assertError("name = 'a'\ndisks = ['rel/x.qcow2,,hda']\n", "s.cfg:2: disk 'rel/x.qcow2,,hda': PATH must be absolute");
        assertError("name = 'a'\ndisks = [',,hda'\n", "s.cfg:3: the disks list is never closed with ]");
        assertError("description = 'x'\n", "s.cfg:2: no name = \"...\" (the snapshot's name)");
        assertError("\nname = '../x'\n", "s.cfg:2: name '../x' is not a valid snapshot name: 1-64 of A-Z a-z 0-9 . _ -, "
                + "starting with a letter or digit, no '..'");
        assertError("name 'a'\n", "s.cfg:1: expected '=' after name");
        assertError("# seed\nname = \"layers\"\n", "s.cfg:2:8: name 'layers' is reserved: the store keeps its own layers in"
                + " each domain's directory, beside the snapshots; choose another name (reserved: clone.json, layers,"
                + " xl-restore.cfg)");
        assertError("name = 'a' 'b'\n", "s.cfg:1: unexpected ''' after the value");
        assertError("name = 'a'\nname = 'b'\n", "s.cfg:2: name is set twice");
    }

    private static void assertError(String text, String message) {
        XsnapExit e = assertThrows(XsnapExit.class, () -> SnapshotCfgFile.parse("s.cfg", text));
        assertEquals(ExitCodes.DATAERR, e.code());
        assertEquals(message, e.getMessage());
    }
}
