package io.junction.bridge.stats;

import java.util.concurrent.atomic.LongAdder;

/** Media counters of one conference (monotonic while it lives), added to by its endpoints' workers. */
public final class ConferenceCounters {
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder packetsIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    public final LongAdder packetsOut = new LongAdder();
}
