package io.xsnap.host.image;

import java.nio.ByteBuffer;

/**
 * Strings from an image as qemu-img shows them: qemu keeps names in C strings, so a name ends at its first
 * NUL byte and is cut to the buffer it is copied into (a snapshot id to 127 bytes, a name to 255), and its
 * JSON writer (qobject/json-writer.c, with util/unicode.c mod_utf8_codepoint) turns every byte sequence that
 * is not a valid code point — a stray or missing continuation byte, an overlong form, a surrogate, a
 * noncharacter such as U+FFFE, anything above U+10FFFF — into one U+FFFD. The overlong two-byte form of
 * U+0000 (C0 80) stands for U+0000.
 */
final class QemuStrings {
    static final char REPLACEMENT = '\uFFFD';
    private static final int[] MIN_CODE_POINT = {0x80, 0x800, 0x10000, 0x200000, 0x4000000};

    private QemuStrings() {
    }

    /**
     * The bytes of {@code b} (from its position to its limit) up to the first NUL, at most {@code limit} of
     * them, decoded as qemu's JSON output shows them.
     */
    static String cString(ByteBuffer b, int limit) {
        int n = b.remaining();
        byte[] raw = new byte[n];
        b.get(b.position(), raw);
        int len = 0;
        while (len < n && len < limit && raw[len] != 0) {
            len++;
        }
        return decode(raw, len);
    }

    /** {@code raw[0..len)} (no NUL inside) decoded like qemu's JSON writer. */
    static String decode(byte[] raw, int len) {
        boolean ascii = true;
        for (int i = 0; i < len; i++) {
            if (raw[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(raw, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        }
        StringBuilder out = new StringBuilder(len);
        int i = 0;
        while (i < len) {
            int lead = raw[i++] & 0xff;
            if (lead < 0x80) {
                out.append((char) lead);
                continue;
            }
            if (lead >= 0xFE || (lead & 0x40) == 0) {
                out.append(REPLACEMENT); // impossible byte, or a continuation byte without a lead
                continue;
            }
            int count = 0;
            int mask = 0x80;
            while ((lead & mask) != 0) {
                count++;
                mask >>= 1;
            }
            int cp = lead & (mask - 1);
            boolean ok = true;
            for (int k = 1; k < count; k++) {
                int next = i < len ? raw[i] & 0xff : 0;
                if ((next & 0xC0) != 0x80) {
                    ok = false; // the byte that breaks the sequence is read again as the start of the next
                    break;
                }
                i++;
                cp = (cp << 6) | (next & 0x3F);
            }
            if (!ok || cp > 0x10FFFF || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE
                    || (cp >= 0xD800 && cp <= 0xDFFF) || (cp < MIN_CODE_POINT[count - 2] && !(cp == 0 && count == 2))) {
                out.append(REPLACEMENT);
            } else {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }
}
