package io.junction.bridge.rtp;

/**
 * A reusable view over an RTP packet in a byte array (RFC 3550 §5.1) with RFC 8285 header
 * extensions. {@link #wrap} validates the structure once; accessors then read and write the
 * array directly. No allocation.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC)        |
 * |      0xBEDE (one-byte) or 0x100x (two-byte)  |    length      |
 * |                  header extension elements                    |
 * </pre>
 */
public final class RtpPacket {
    public static final int FIXED_HEADER = 12;
    private static final int ONE_BYTE_PROFILE = 0xBEDE;
    private static final int TWO_BYTE_PROFILE_MASK = 0xFFF0;
    private static final int TWO_BYTE_PROFILE = 0x1000;

    private byte[] buf;
    private int off;
    private int len;
    private int headerLength;
    private int payloadLength;
    /** Offset (absolute) of the first extension element, or -1 without extensions. */
    private int extStart = -1;
    private int extEnd;
    private boolean twoByte;
    private int foundExtLength;
    private DropReason invalidReason;
    /**
     * The extension elements of ids 1..14 (the one-byte range, which the bridge's ids are in), found by
     * the one scan {@link #wrap} makes: absolute data offset (-1: absent) and data length.
     */
    /** Whether some id 1..14 occurs more than once (then erasing it must look again). */
    private boolean duplicateIds;
    private final int[] extAt = new int[INDEXED_IDS];
    private final int[] extLen = new int[INDEXED_IDS];
    private static final int INDEXED_IDS = 15;

    /** Why {@link #wrap} refused a packet. */
    public enum DropReason { TRUNCATED, BAD_VERSION, BAD_CSRC, BAD_EXTENSION, BAD_PADDING }

    /** Points the view at a packet; false (see {@link #invalidReason()}) when it is not valid RTP. */
    public boolean wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.extStart = -1;
        this.invalidReason = null;
        if (len < FIXED_HEADER) {
            return invalid(DropReason.TRUNCATED);
        }
        int b0 = buf[off] & 0xFF;
        if ((b0 >> 6) != 2) {
            return invalid(DropReason.BAD_VERSION);
        }
        int cc = b0 & 0x0F;
        int h = FIXED_HEADER + 4 * cc;
        if (h > len) {
            return invalid(DropReason.BAD_CSRC);
        }
        if ((b0 & 0x10) != 0) {
            if (h + 4 > len) {
                return invalid(DropReason.BAD_EXTENSION);
            }
            int profile = u16(off + h);
            int words = u16(off + h + 2);
            int end = h + 4 + 4 * words;
            if (end > len) {
                return invalid(DropReason.BAD_EXTENSION);
            }
            if (profile == ONE_BYTE_PROFILE) {
                twoByte = false;
                extStart = off + h + 4;
                extEnd = off + end;
            } else if ((profile & TWO_BYTE_PROFILE_MASK) == TWO_BYTE_PROFILE) {
                twoByte = true;
                extStart = off + h + 4;
                extEnd = off + end;
            }
            h = end;
        }
        int padding = 0;
        if ((b0 & 0x20) != 0) {
            padding = buf[off + len - 1] & 0xFF;
            if (padding == 0 || h + padding > len) {
                return invalid(DropReason.BAD_PADDING);
            }
        }
        headerLength = h;
        payloadLength = len - h - padding;
        indexExtensions();
        return true;
    }

    /** One pass over the extension elements, remembering where ids 1..14 are (the first of each). */
    private void indexExtensions() {
        java.util.Arrays.fill(extAt, -1);
        duplicateIds = false;
        if (extStart < 0) {
            return;
        }
        for (int i = extStart; (i = nextElement(i)) >= 0; i = elementData + elementLength) {
            if (elementId < INDEXED_IDS) {
                if (extAt[elementId] < 0) {
                    extAt[elementId] = elementData;
                    extLen[elementId] = elementLength;
                } else {
                    duplicateIds = true; // RFC 8285 does not allow it, but a sender may do it anyway
                }
            }
        }
    }

    /** The element {@link #nextElement} read last: its id, where its data starts, its data length. */
    private int elementId;
    private int elementData;
    private int elementLength;

    /**
     * Reads the extension element at or after {@code i}, skipping padding bytes: sets
     * {@link #elementId}, {@link #elementData} and {@link #elementLength} and returns where it starts
     * (its header), or -1 at the end of the block, at the reserved id 15 of the one-byte form (stop
     * processing, RFC 8285 §4.2), or at a malformed element (what follows is not read).
     */
    private int nextElement(int i) {
        while (i < extEnd && buf[i] == 0) {
            i++; // padding
        }
        if (i >= extEnd) {
            return -1;
        }
        int b = buf[i] & 0xFF;
        if (!twoByte) {
            elementId = b >> 4;
            if (elementId == 15) {
                return -1;
            }
            elementLength = (b & 0x0F) + 1;
            elementData = i + 1;
        } else {
            if (i + 1 >= extEnd) {
                return -1;
            }
            elementId = b;
            elementLength = buf[i + 1] & 0xFF;
            elementData = i + 2;
        }
        return elementData + elementLength > extEnd ? -1 : i;
    }

    private boolean invalid(DropReason reason) {
        invalidReason = reason;
        return false;
    }

    public DropReason invalidReason() {
        return invalidReason;
    }

    private int u16(int at) {
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    public int length() {
        return len;
    }

    public boolean marker() {
        return (buf[off + 1] & 0x80) != 0;
    }

    public int payloadType() {
        return buf[off + 1] & 0x7F;
    }

    public void setPayloadType(int pt) {
        buf[off + 1] = (byte) ((buf[off + 1] & 0x80) | (pt & 0x7F));
    }

    public int sequenceNumber() {
        return u16(off + 2);
    }

    public void setSequenceNumber(int seq) {
        buf[off + 2] = (byte) (seq >> 8);
        buf[off + 3] = (byte) seq;
    }

    public int timestamp() {
        return ByteIo.readInt(buf, off + 4);
    }

    public void setTimestamp(int ts) {
        ByteIo.writeInt(buf, off + 4, ts);
    }

    public int ssrc() {
        return ByteIo.readInt(buf, off + 8);
    }

    public void setSsrc(int ssrc) {
        ByteIo.writeInt(buf, off + 8, ssrc);
    }

    public int headerLength() {
        return headerLength;
    }

    /** Absolute offset of the payload in {@link #buffer()}. */
    public int payloadOffset() {
        return off + headerLength;
    }

    public int payloadLength() {
        return payloadLength;
    }

    public boolean hasExtensions() {
        return extStart >= 0;
    }

    /**
     * Finds extension element {@code id}; returns the absolute offset of its data (length in
     * {@link #extensionLength()}), or -1. Malformed elements end the search. Ids 1..14 are answered
     * from the index {@link #wrap} built, without another scan.
     */
    public int findExtension(int id) {
        if (extStart < 0) {
            return -1;
        }
        if (id > 0 && id < INDEXED_IDS) {
            int at = extAt[id];
            if (at >= 0) {
                foundExtLength = extLen[id];
            }
            return at;
        }
        for (int i = extStart; (i = nextElement(i)) >= 0; i = elementData + elementLength) {
            if (elementId == id) {
                foundExtLength = elementLength;
                return elementData;
            }
        }
        return -1;
    }

    /** The extension elements use the two-byte header form (RFC 8285 §4.3): each element's header is two bytes. */
    public boolean twoByteExtensions() {
        return twoByte;
    }

    /** Data length of the element last found by {@link #findExtension}. */
    public int extensionLength() {
        return foundExtLength;
    }

    /**
     * Erases extension element {@code id} in place by turning its header and data into padding
     * bytes (0), which both one-byte and two-byte forms skip; every element with that id, when a
     * sender repeated it. Returns true if it was present.
     */
    public boolean eraseExtension(int id) {
        int at = findExtension(id);
        if (at < 0) {
            return false;
        }
        int headerBytes = twoByte ? 2 : 1;
        do {
            java.util.Arrays.fill(buf, at - headerBytes, at + foundExtLength, (byte) 0);
            if (id > 0 && id < INDEXED_IDS) {
                extAt[id] = -1;
                if (duplicateIds) {
                    indexExtensions(); // the erased element is padding now: the next one with this id, if any
                }
            }
        } while ((at = findExtension(id)) >= 0);
        return true;
    }

    /**
     * Renumbers the header extension elements in place through {@code idMap} (index: the sender's id,
     * value: the bridge's, 0 = none: the element is erased to padding) and indexes them again: for a
     * client that chose its own ids (it made the offer). One pass, no allocation; a one-byte element
     * keeps the one-byte form, so {@code idMap} must give one-byte elements ids of at most 14.
     */
    public void remapExtensions(byte[] idMap) {
        if (extStart < 0) {
            return;
        }
        for (int i = extStart; (i = nextElement(i)) >= 0; i = elementData + elementLength) {
            int to = idMap[elementId] & 0xFF;
            if (to == 0) {
                java.util.Arrays.fill(buf, i, elementData + elementLength, (byte) 0);
            } else if (!twoByte) {
                buf[i] = (byte) ((to << 4) | (buf[i] & 0x0F));
            } else {
                buf[i] = (byte) to;
            }
        }
        indexExtensions();
    }

    /** The ASCII value of an extension (mid, rid), allocating; null when absent. Not for hot paths. */
    public String extensionString(int id) {
        int at = findExtension(id);
        return at < 0 ? null : new String(buf, at, foundExtLength, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
