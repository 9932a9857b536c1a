package io.xsnap.host.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Tells qcow2 from raw by the first bytes, like qemu's probing, and recognises the other common image formats
 * so that a vmdk or vhdx is not silently taken for a raw disk.
 */
final class FormatProbe {
    private static final int VDI_SIGNATURE_OFFSET = 0x40;
    private static final int VDI_SIGNATURE = 0xbeda107f;
    private static final String[][] MAGICS = {
        {"QED\0", "qed"},
        {"KDMV", "vmdk"},
        {"COWD", "vmdk"},
        {"# Disk DescriptorFile", "vmdk"},
        {"conectix", "vpc"},
        {"vhdxfile", "vhdx"},
        {"LUKS\u00ba\u00be", "luks"},
        {"WithoutFreeSpace", "parallels"},
        {"WithouFreSpacExt", "parallels"},
        {"Bochs Virtual HD Image", "bochs"},
    };

    private FormatProbe() {
    }

    /**
     * "qcow2" or "raw"; throws when the file looks like another image format. Like qemu's qcow2_probe, the
     * qcow2 magic counts only with a version of 2 or more (qemu probes a zero-padded buffer, so a file that
     * ends before the version has version 0: raw); version 1 is qemu's older "qcow" format.
     */
    static String detect(ImageFile f) {
        ByteBuffer p = f.prefix(512);
        if (p.limit() >= 4 && p.getInt(0) == Qcow2Header.MAGIC) {
            long version = p.limit() >= 8 ? Integer.toUnsignedLong(p.getInt(4)) : 0;
            if (version == 1) {
                throw new ImageException(f.path(), "looks like a qcow (version 1) image; xsnap reads only qcow2 and"
                        + " raw (give the format raw to read it as raw)");
            }
            if (version >= 2) {
                return "qcow2";
            }
        }
        String other = otherFormat(p);
        if (other != null) {
            throw new ImageException(f.path(), "looks like a " + other
                    + " image; xsnap reads only qcow2 and raw (give the format raw to read it as raw)");
        }
        return "raw";
    }

    private static String otherFormat(ByteBuffer p) {
        for (String[] m : MAGICS) {
            byte[] magic = m[0].getBytes(StandardCharsets.ISO_8859_1);
            if (startsWith(p, magic)) {
                return m[1];
            }
        }
        if (p.limit() >= VDI_SIGNATURE_OFFSET + 4
                && p.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(VDI_SIGNATURE_OFFSET) == VDI_SIGNATURE) {
            return "vdi";
        }
        return null;
    }

    private static boolean startsWith(ByteBuffer p, byte[] magic) {
        if (p.limit() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (p.get(i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
