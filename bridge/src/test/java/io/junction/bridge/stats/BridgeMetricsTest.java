package io.junction.bridge.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bridge-wide bitrates are the sums of the conferences' of one sample, also while conferences come and go. */
class BridgeMetricsTest {
    private static final long SECOND = 1_000_000_000L;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final BridgeMetrics metrics = new BridgeMetrics(registry, new MediaCounters(), List.of());

    private double gauge(String name, String direction) {
        return registry.get(name).tag("direction", direction).gauge().value();
    }

    private double conferenceGauge(String name, String conference, String direction) {
        return registry.get(name).tag("conference", conference).tag("direction", direction).gauge().value();
    }

    /** One sample as the bridge's sampler takes it: every listed conference, then the bridge-wide sums. */
    private void sample(long nowNs, ConferenceRates... conferences) {
        synchronized (metrics) {
            double[] sums = new double[ConferenceRates.COUNT];
            for (ConferenceRates r : conferences) {
                r.sample(nowNs, sums);
            }
            metrics.sample(nowNs, new double[2], sums);
        }
    }

    private ConferenceRates add(String id, ConferenceCounters c, long createdNs) {
        ConferenceRates r = new ConferenceRates(c, createdNs);
        metrics.conferenceAdded(id, new Object(), x -> 0, c, r);
        return r;
    }

    @Test
    void bridgeWideRatesAreTheSumOfTheConferencesAndEachPointCountsItsOwnCounter() {
        ConferenceCounters a = new ConferenceCounters();
        ConferenceCounters b = new ConferenceCounters();
        ConferenceRates ra = add("a", a, 0);
        ConferenceRates rb = add("b", b, 0);
        a.wireBytesIn.add(125_000);   // 1 Mbit/s over the first second
        a.bytesIn.add(100_000);
        a.wireBytesOut.add(250_000);
        a.bytesOut.add(200_000);
        b.wireBytesIn.add(25_000);
        b.bytesIn.add(25_000);
        sample(SECOND, ra, rb);

        assertEquals(1_000_000, conferenceGauge("junction.conference.bitrate", "a", "in"), 1e-6);
        assertEquals(800_000, conferenceGauge("junction.conference.media.bitrate", "a", "in"), 1e-6);
        assertEquals(2_000_000, conferenceGauge("junction.conference.bitrate", "a", "out"), 1e-6);
        assertEquals(1_600_000, conferenceGauge("junction.conference.media.bitrate", "a", "out"), 1e-6);
        assertEquals(1_200_000, gauge("junction.bitrate", "in"), 1e-6);
        assertEquals(1_000_000, gauge("junction.media.bitrate", "in"), 1e-6);
        assertEquals(2_000_000, gauge("junction.bitrate", "out"), 1e-6);
        assertEquals(1_600_000, gauge("junction.media.bitrate", "out"), 1e-6);

        // the next second: rates are differences over the interval, not totals
        a.wireBytesIn.add(62_500);
        sample(2 * SECOND, ra, rb);
        assertEquals(500_000, gauge("junction.bitrate", "in"), 1e-6);
        assertEquals(500_000, conferenceGauge("junction.conference.bitrate", "a", "in"), 1e-6);
    }

    @Test
    void aConferenceThatEndsLeavesTheSumsAtOnceAndANewOneStartsAtZero() {
        ConferenceCounters a = new ConferenceCounters();
        ConferenceCounters b = new ConferenceCounters();
        ConferenceRates ra = add("a", a, 0);
        ConferenceRates rb = add("b", b, 0);
        a.wireBytesIn.add(125_000);
        b.wireBytesIn.add(250_000);
        sample(SECOND, ra, rb);
        assertEquals(3_000_000, gauge("junction.bitrate", "in"), 1e-6);

        metrics.conferenceRemoved("a", ra);
        assertEquals(2_000_000, gauge("junction.bitrate", "in"), 1e-6, "only b is left, before the next sample");
        assertEquals(0, registry.find("junction.conference.bitrate").tag("conference", "a").gauges().size());

        ConferenceCounters c = new ConferenceCounters();
        ConferenceRates rc = add("c", c, SECOND + 1);
        assertEquals(0, conferenceGauge("junction.conference.bitrate", "c", "in"), 1e-6);
        assertEquals(2_000_000, gauge("junction.bitrate", "in"), 1e-6);

        // c ends before it was ever sampled: nothing of it is in the sums, so nothing is taken out
        metrics.conferenceRemoved("c", rc);
        assertEquals(2_000_000, gauge("junction.bitrate", "in"), 1e-6);
    }

    @Test
    void aConferenceRemovedFromTheListBeforeTheSampleIsNotTakenOutTwice() {
        ConferenceCounters a = new ConferenceCounters();
        ConferenceCounters b = new ConferenceCounters();
        ConferenceRates ra = add("a", a, 0);
        ConferenceRates rb = add("b", b, 0);
        a.wireBytesIn.add(125_000);
        b.wireBytesIn.add(250_000);
        sample(SECOND, ra, rb);
        // the bridge dropped "a" from its list, then the sampler ran (without it), then the metrics heard of the end
        b.wireBytesIn.add(250_000);
        sample(2 * SECOND, rb);
        metrics.conferenceRemoved("a", ra);
        assertEquals(2_000_000, gauge("junction.bitrate", "in"), 1e-6);
    }

    @Test
    void droppedRtpIsCountedInPacketsAndBytesAndSrtcpInPacketsOnly() {
        MediaCounters c = new MediaCounters();
        c.dropDatagram(DropReason.UNKNOWN_SSRC, true, 1200);
        c.dropDatagram(DropReason.UNKNOWN_SSRC, false, 80);
        c.dropRtp(DropReason.RTX_PADDING, 250);
        assertEquals(2, c.drops(DropReason.UNKNOWN_SSRC));
        assertEquals(1200, c.dropBytes(DropReason.UNKNOWN_SSRC));
        assertEquals(250, c.dropBytes(DropReason.RTX_PADDING));
    }
}
