package io.junction.bridge.pipeline;

import io.junction.bridge.rtp.RtpPacket;

/**
 * For a receiver that made the offer (a WHEP viewer): the bridge's payload types and header extension
 * ids mapped to the ones it chose, applied to every RTP packet to it (media, RTX, padding) in place
 * just before SRTP, after the retransmission cache took its copy, so everything before the send keeps
 * the bridge's numbering. Extensions it did not negotiate are erased to padding. The mirror of
 * {@link IngestMap}; immutable once shared, and only viewers pay for it.
 */
public final class EgressMap {
    private final byte[] payloadTypes = new byte[128];
    private final byte[] extensionIds = new byte[256];

    public EgressMap() {
        java.util.Arrays.fill(payloadTypes, (byte) -1);
    }

    /** The bridge's payload type {@code ours} goes out as the client's {@code theirs}. */
    public EgressMap payloadType(int ours, int theirs) {
        payloadTypes[ours] = (byte) theirs;
        return this;
    }

    /**
     * The bridge's extension {@code ours} goes out with the client's id {@code theirs}; ids above 14
     * do not fit the one-byte elements the bridge forwards, so such an extension is erased instead.
     */
    public EgressMap extension(int ours, int theirs) {
        if (theirs >= 1 && theirs <= 14) {
            extensionIds[ours] = (byte) theirs;
        }
        return this;
    }

    /** Whether the client takes the bridge's payload type {@code ours}. */
    public boolean takes(int ours) {
        return ours >= 0 && ours < 128 && payloadTypes[ours] >= 0;
    }

    /**
     * Renumbers the packet {@code rtp} wraps in place; false when the client did not negotiate its
     * payload type (the packet is then not sent: the client could not decode it).
     */
    public boolean apply(RtpPacket rtp) {
        int theirs = payloadTypes[rtp.payloadType()];
        if (theirs < 0) {
            return false;
        }
        rtp.setPayloadType(theirs);
        rtp.remapExtensions(extensionIds);
        return true;
    }
}
