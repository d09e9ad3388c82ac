package io.junction.bridge.conference;

import java.util.List;

/**
 * A point-in-time view of one endpoint's media statistics, for the stats API. Rates are over the last
 * sampling interval (about 1 s). Values the bridge does not measure yet are null.
 */
public record EndpointStatsView(
        String endpointId,
        String displayName,
        boolean mediaConnected,
        String iceSelectedPair,
        String srtpProfile,
        double bitrateInBps,
        double bitrateOutBps,
        long packetsIn,
        long packetsOut,
        long bytesIn,
        long bytesOut,
        Double rttMs,
        Double downlinkEstimateBps,
        long transportCcFeedbackIn,
        List<Inbound> inbound,
        List<Outbound> outbound) {

    /** A track this endpoint publishes. */
    public record Inbound(String kind, String rid, long ssrc, double bitrateBps, long packets, long bytes, long packetsLost,
                          double fractionLost, double jitterMs, int height) {}

    /** A track this endpoint receives (forwarded from another endpoint). */
    public record Outbound(String sourceEndpointId, String kind, String mid, long ssrc, long packets, long bytes,
                           double reportedFractionLost, double reportedJitterMs, Double rttMs, Integer targetLayer,
                           Integer forwardedLayer, Integer forwardedTemporal, Integer targetSpatial,
                           Integer forwardedSpatial) {}
}
