package io.junction.bridge.pipeline;

import io.junction.bridge.rtp.RtpPacket;

/**
 * For a publisher that made the offer (WHIP): its payload types and header extension ids, which it
 * chose, mapped to the bridge's ({@code CodecCatalog}), applied to each RTP packet in place as it
 * arrives, so everything after ingress (SSRC learning by mid, transport-cc, RTX, codec inspection,
 * subscribers' copies) sees the bridge's numbering. Immutable; two array reads and one pass over the
 * extensions per packet.
 */
public final class IngestMap {
    private final byte[] payloadTypes = new byte[128];
    private final byte[] extensionIds = new byte[256];

    /** Maps nothing yet: {@link #payloadType} and {@link #extension} add entries (before it is shared). */
    public IngestMap() {
        java.util.Arrays.fill(payloadTypes, (byte) -1);
    }

    /** The client's payload type {@code theirs} is the bridge's {@code ours}. */
    public IngestMap payloadType(int theirs, int ours) {
        payloadTypes[theirs] = (byte) ours;
        return this;
    }

    /** The client's extension id {@code theirs} is the bridge's {@code ours} (1..14). */
    public IngestMap extension(int theirs, int ours) {
        if (ours < 1 || ours > 14) {
            throw new IllegalArgumentException("the bridge's extension ids are 1..14");
        }
        extensionIds[theirs] = (byte) ours;
        return this;
    }

    /**
     * Renumbers {@code rtp} (wrapped) in place; false when its payload type is not one the client
     * negotiated with the bridge (the packet is then dropped). Extensions the bridge does not know
     * are erased to padding.
     */
    boolean apply(RtpPacket rtp) {
        int ours = payloadTypes[rtp.payloadType()];
        if (ours < 0) {
            return false;
        }
        rtp.setPayloadType(ours);
        rtp.remapExtensions(extensionIds);
        return true;
    }
}
