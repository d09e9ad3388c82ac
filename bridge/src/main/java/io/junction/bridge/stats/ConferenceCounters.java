package io.junction.bridge.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * RTP counters of one conference (monotonic while it lives), added to by its endpoints' threads.
 * Every byte count is the size of the packet as it crossed the socket (SRTP: header, encrypted
 * payload, authentication tag), so receive and send sides are measured alike. Two points per
 * direction:
 * <ul>
 *   <li><b>wire</b>: every RTP datagram received on (or sent to) the conference's endpoints'
 *       transports: media, RTX repairs, padding-only probes, duplicates, packets that fail SRTP or
 *       name an unknown SSRC. Received is counted where the datagram is demultiplexed, before any
 *       check; sent, when the socket took it.</li>
 *   <li><b>media</b>: received packets accepted for forwarding (what is left of the wire after the
 *       counted drops, see {@link DropReason}); sent packets of forwarded media (no RTX, no probes).</li>
 * </ul>
 */
public final class ConferenceCounters {
    public final LongAdder wireBytesIn = new LongAdder();
    public final LongAdder wirePacketsIn = new LongAdder();
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder packetsIn = new LongAdder();
    public final LongAdder wireBytesOut = new LongAdder();
    public final LongAdder wirePacketsOut = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    public final LongAdder packetsOut = new LongAdder();
}
