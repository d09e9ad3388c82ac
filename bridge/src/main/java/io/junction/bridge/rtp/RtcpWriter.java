package io.junction.bridge.rtp;

/** Writers for the RTCP messages the bridge originates. Each returns the number of bytes written. */
public final class RtcpWriter {
    private RtcpWriter() {}

    /**
     * Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI.
     * <pre>
     * |V=2|P| FMT=1 |   PT=206      |          length=2             |
     * |                  SSRC of packet sender                        |
     * |                  SSRC of media source                         |
     * </pre>
     */
    public static int writePli(byte[] buf, int off, int senderSsrc, int mediaSsrc) {
        buf[off] = (byte) 0x81;
        buf[off + 1] = (byte) RtcpCompound.PSFB;
        ByteIo.writeU16(buf, off + 2, 2);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        return 12;
    }
}
