package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.rtp.RtpPacket;

/**
 * Learns the SSRCs a publisher did not announce: the mid header extension tells which publish m-line
 * a new SSRC belongs to, and for simulcast the rid (or, for RTX, repaired-rid) extension which layer
 * (Chromium sends them on the first packets of each stream). On the publisher's worker; the table in
 * {@link EndpointStreams} is republished.
 */
final class SsrcLearner {
    private final EndpointStreams streams;

    SsrcLearner(EndpointStreams streams) {
        this.streams = streams;
    }

    /** The encoding the unknown SSRC of the packet {@code rtp} wraps belongs to, now learned; or null. */
    SourceEncoding learn(RtpPacket rtp, int ssrc) {
        int midOff = rtp.findExtension(CodecCatalog.EXT_MID);
        if (midOff < 0) {
            return null;
        }
        SourceTrack t = streams.publishedByMid(rtp.buffer(), midOff, rtp.extensionLength());
        if (t == null) {
            return null;
        }
        boolean rtx = CodecCatalog.aptOf(rtp.payloadType()) >= 0;
        SourceEncoding e;
        if (t.isSimulcast()) {
            String rid = rtp.extensionString(rtx ? CodecCatalog.EXT_REPAIRED_RID : CodecCatalog.EXT_RID);
            e = rid == null ? null : t.encodingByRid(rid);
            if (e == null) {
                return null;
            }
            int old = rtx ? e.rtxSsrc() : e.ssrc();
            if (old != 0 && old != ssrc) {
                // The layer restarted under a new SSRC: the rid says it is the same layer.
                streams.encodingsBySsrc = streams.encodingsBySsrc.without(old);
            }
        } else {
            e = t.encodings()[0];
            if (rtx ? e.rtxSsrc() != 0 || e.ssrc() == ssrc : e.ssrc() != 0) {
                return null;
            }
        }
        if (rtx) {
            // An RTX stream (often the first thing Chromium sends: padding probes)
            e.setRtxSsrc(ssrc);
        } else {
            e.setSsrc(ssrc);
        }
        streams.encodingsBySsrc = streams.encodingsBySsrc.with(ssrc, e);
        return e;
    }
}
