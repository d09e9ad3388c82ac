package io.junction.bridge.conference;

import io.junction.bridge.forward.DominantSpeaker;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.sdp.CodecCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * The conference-wide part of selective forwarding, on the conference's packet worker: speech
 * activity from every publisher's audio levels (RFC 6464) and the dominant speaker, and a tick (every
 * {@link #TICK_NS}) that re-runs every receiver's layer allocation and announces a new dominant
 * speaker. The speaker ranking is published as an immutable list for the allocators.
 */
final class ConferenceForwarding {
    static final long TICK_NS = 100_000_000L;

    private final Conference conference;
    private final DominantSpeaker speakers = new DominantSpeaker();
    private volatile List<String> ranking = List.of();
    private final List<String> rankingScratch = new ArrayList<>();
    private final MediaCore core;

    ConferenceForwarding(Conference conference, MediaCore core) {
        this.conference = conference;
        this.core = core;
    }

    /** Any thread: an endpoint joined (it may become a speaker). */
    void endpointAdded(String endpointId) {
        speakers.addEndpoint(endpointId);
    }

    /** Any thread: an endpoint left. */
    void endpointRemoved(String endpointId) {
        speakers.removeEndpoint(endpointId);
    }

    /** Worker: one audio packet of {@code endpointId}, already parsed in {@code rtp}. */
    void onAudio(String endpointId, RtpPacket rtp, long nowNs) {
        int at = rtp.findExtension(CodecCatalog.EXT_AUDIO_LEVEL);
        if (at >= 0 && rtp.extensionLength() >= 1) {
            speakers.onAudioLevel(endpointId, rtp.buffer()[at] & 0x7F, nowNs);
        }
    }

    /** Endpoints by speech activity, dominant first (any thread; immutable). */
    List<String> ranking() {
        return ranking;
    }

    String dominantSpeaker() {
        return speakers.current();
    }

    /** Worker, every {@link #TICK_NS}: speakers, then every receiver's allocation. */
    void tick(long nowNs) {
        String changed = speakers.poll(nowNs);
        rankingScratch.clear();
        speakers.ranking(rankingScratch);
        if (!rankingScratch.equals(ranking)) {
            ranking = List.copyOf(rankingScratch);
        }
        if (changed != null) {
            core.counters().dominantSpeakerChanges.increment();
            core.control().execute(() -> conference.dominantSpeakerChanged(changed));
        }
        for (Endpoint e : conference.endpoints()) {
            MediaSession m = e.mediaSession();
            if (m != null) {
                m.allocate(nowNs);
            }
        }
    }
}
