package io.junction.bridge.forward;

import io.junction.bridge.worker.Packet;

/**
 * Where the packets of one {@link Subscription} go: the subscriber's send path. The publisher's
 * worker hands each copy over and forgets it (ownership passes); the sink sends it on the
 * subscriber's worker, at once when that is the calling thread, else through its queue.
 */
public interface StreamSink {
    /** A copy of a source packet for this subscriber (video: already projected, {@link Packet#FLAG_PROJECTED}). */
    void sendRtp(Packet p);

    /** A publisher's sender report, as NTP(8) RTP timestamp(4) source SSRC(4), to re-issue for this subscriber. */
    void sendSenderReport(Packet p);

    /** Makes the sink of a new subscription (the subscriber's side decides how it sends). */
    interface Factory {
        StreamSink create(Subscription subscription);
    }
}
