package io.junction.bridge.stats;

/**
 * Per-endpoint counters. The counting fields are written only by the endpoint's packet worker
 * (plain fields, no atomics); the sampler (a timer thread) reads them racily once a second and
 * derives rates, which it publishes through volatile fields. A torn read costs one sample's
 * accuracy, never correctness of the packet path.
 */
public final class EndpointStats {
    // ---- written by the packet worker ----
    public long rtpPacketsIn;
    public long rtpBytesIn;
    public long rtcpPacketsIn;
    public long rtcpBytesIn;
    public long rtpPacketsOut;
    public long rtpBytesOut;
    public long rtcpPacketsOut;
    public long rtcpBytesOut;
    /** Transport-cc feedback messages this endpoint sent about what the bridge sent it (its estimate's input). */
    public long transportCcFeedbackIn;
    public final long[] bytesInByKind = new long[2];
    public final long[] bytesOutByKind = new long[2];

    // ---- written by the sampler ----
    private long lastBytesIn;
    private long lastBytesOut;
    private final long[] lastInByKind = new long[2];
    private final long[] lastOutByKind = new long[2];
    private long lastSampleNs;
    private volatile double bitrateInBps;
    private volatile double bitrateOutBps;
    private final double[] bitrateInByKind = new double[2];
    private final double[] bitrateOutByKind = new double[2];

    /** Updates the rates from the counters; called about once a second by one thread. */
    public void sample(long nowNs) {
        long in = rtpBytesIn; // RTP as received and as sent (SRTP size), as the conference counts it; RTCP apart
        long out = rtpBytesOut;
        if (lastSampleNs != 0 && nowNs > lastSampleNs) {
            double seconds = (nowNs - lastSampleNs) / 1e9;
            bitrateInBps = Math.max(0, (in - lastBytesIn) * 8 / seconds);
            bitrateOutBps = Math.max(0, (out - lastBytesOut) * 8 / seconds);
            for (int k = 0; k < 2; k++) {
                bitrateInByKind[k] = Math.max(0, (bytesInByKind[k] - lastInByKind[k]) * 8 / seconds);
                bitrateOutByKind[k] = Math.max(0, (bytesOutByKind[k] - lastOutByKind[k]) * 8 / seconds);
            }
        }
        lastBytesIn = in;
        lastBytesOut = out;
        for (int k = 0; k < 2; k++) {
            lastInByKind[k] = bytesInByKind[k];
            lastOutByKind[k] = bytesOutByKind[k];
        }
        lastSampleNs = nowNs;
    }

    public double bitrateInBps() {
        return bitrateInBps;
    }

    public double bitrateOutBps() {
        return bitrateOutBps;
    }

    public double bitrateInBps(int kind) {
        return bitrateInByKind[kind];
    }

    public double bitrateOutBps(int kind) {
        return bitrateOutByKind[kind];
    }
}
