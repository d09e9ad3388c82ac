package io.junction.bridge.codec;

/**
 * The picture id field VP8 (RFC 7741 §4.2) and VP9 (RFC 9628 §4.2) share: {@code |M| PICTURE ID |},
 * 7 bits, or with M set 15 bits over two bytes.
 */
final class PictureIdField {
    private PictureIdField() {}

    /** The width of the field at {@code buf[at]} (7 or 15 bits), or 0 when it runs past {@code end}. */
    static int width(byte[] buf, int at, int end) {
        if (at >= end) {
            return 0;
        }
        if ((buf[at] & 0x80) == 0) {
            return 7;
        }
        return at + 1 < end ? 15 : 0;
    }

    /** The picture id in the field of {@code width} bits at {@code buf[at]}. */
    static int read(byte[] buf, int at, int width) {
        return width == 15 ? ((buf[at] & 0x7F) << 8) | (buf[at + 1] & 0xFF) : buf[at] & 0x7F;
    }

    /** Bytes the field of {@code width} bits takes. */
    static int length(int width) {
        return width == 15 ? 2 : 1;
    }

    /** Writes {@code pictureId} into the field of {@code width} bits at {@code buf[at]}, keeping its width (0: nothing). */
    static void write(byte[] buf, int at, int width, int pictureId) {
        if (width == 15) {
            buf[at] = (byte) (0x80 | ((pictureId >>> 8) & 0x7F));
            buf[at + 1] = (byte) pictureId;
        } else if (width == 7) {
            buf[at] = (byte) (pictureId & 0x7F);
        }
    }
}
