package io.junction.bridge.conference;

import io.junction.bridge.forward.DominantSpeaker;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.codec.CodecCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * The conference-wide part of selective forwarding, on the conference's packet worker: speech
 * activity from every publisher's audio levels (RFC 6464) and the dominant speaker, and a tick (every
 * {@link #TICK_NS}) that re-runs every receiver's layer allocation and announces a new dominant
 * speaker. The speaker ranking is published as an immutable list for the allocators.
 */
final class ConferenceForwarding implements io.junction.bridge.pipeline.AudioObserver {
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
    @Override
    public void onAudio(String endpointId, RtpPacket rtp, long nowNs) {
        int level = io.junction.bridge.rtp.AudioLevel.audioLevel(rtp, CodecCatalog.EXT_AUDIO_LEVEL);
        if (level >= 0) {
            speakers.onAudioLevel(endpointId, level, nowNs);
        }
    }

    /** Endpoints by speech activity, dominant first (any thread; immutable). */
    List<String> ranking() {
        return ranking;
    }

    String dominantSpeaker() {
        return speakers.current();
    }

    /** Whether {@code a} and {@code b} hold equal elements in the same order (without the iterators {@code equals} makes). */
    private static boolean sameOrder(List<String> a, List<String> b) {
        int n = a.size();
        if (n != b.size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!a.get(i).equals(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Worker, every {@link #TICK_NS}: speakers, then every receiver's allocation. */
    void tick(long nowNs) {
        String changed = speakers.poll(nowNs);
        rankingScratch.clear();
        speakers.ranking(rankingScratch);
        if (!sameOrder(rankingScratch, ranking)) {
            ranking = List.copyOf(rankingScratch);
        }
        if (changed != null) {
            core.counters().dominantSpeakerChanges.increment();
            core.control().execute(() -> conference.dominantSpeakerChanged(changed));
        }
        Endpoint[] endpoints = conference.participantArray(); // snapshots, not copied: nothing allocated per tick
        Endpoint[] viewers = conference.viewerArray();
        if (viewers.length > 0) {
            followStage(viewers);
        }
        allocate(endpoints, nowNs);
        allocate(viewers, nowNs);
        allocate(conference.relayArray(), nowNs);
        conference.tickLinks(nowNs);
        if (core.config().forwarding().pauseUnusedLayers()) {
            for (Endpoint e : endpoints) {
                MediaSession m = e.mediaSession();
                io.junction.bridge.forward.SourceTrack video = m == null ? null : m.track(io.junction.bridge.forward.MediaKind.VIDEO);
                boolean[] active = video == null ? null : video.updateActiveLayers(nowNs, LAYER_PAUSE_HOLD_NS);
                if (active != null) {
                    java.util.Map<String, Boolean> byRid = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < active.length; i++) {
                        byRid.put(video.encodings()[i].rid(), active[i]);
                    }
                    core.counters().layerPauseUpdates.increment();
                    core.control().execute(() -> m.sendLayers(byRid));
                }
            }
        }
    }

    private static void allocate(Endpoint[] receivers, long nowNs) {
        for (Endpoint e : receivers) {
            MediaSession m = e.mediaSession();
            if (m != null) {
                m.allocate(nowNs);
            }
        }
    }

    /**
     * Worker: points every viewer (WHEP) at the stage. Video: the operator's stage participant when it
     * sends video, else the best-ranked speaker that does (its screen share when it shares). Audio:
     * the best-ranked speaker that sends audio, so viewers hear whoever speaks. A viewer pinned to one
     * participant gets that one's. Moves happen here, on the worker that runs the fan-out; a video
     * move completes at the new source's keyframe ({@link io.junction.bridge.forward.Subscription#retarget}).
     */
    private void followStage(Endpoint[] viewers) {
        io.junction.bridge.forward.SourceTrack video = null;
        io.junction.bridge.forward.SourceTrack audio = null;
        String stage = conference.stage();
        if (stage != null) {
            video = shownVideo(stage);
        }
        for (String id : ranking) {
            if (video == null) {
                video = shownVideo(id);
            }
            if (audio == null) {
                audio = track(id, io.junction.bridge.forward.MediaKind.AUDIO);
            }
            if (video != null && audio != null) {
                break;
            }
        }
        for (Endpoint v : viewers) {
            MediaSession m = v.mediaSession();
            if (m == null) {
                continue;
            }
            String pinned = m.pinnedEndpointId();
            if (pinned != null) {
                m.followStage(track(pinned, io.junction.bridge.forward.MediaKind.AUDIO), shownVideo(pinned));
            } else {
                m.followStage(audio, video);
            }
        }
    }

    /** The media session of participant {@code endpointId}, or null (gone, or no client yet). */
    private MediaSession session(String endpointId) {
        return conference.endpoint(endpointId).map(Endpoint::mediaSession).orElse(null);
    }

    private io.junction.bridge.forward.SourceTrack shownVideo(String endpointId) {
        MediaSession m = session(endpointId);
        return m == null ? null : m.shownVideo();
    }

    private io.junction.bridge.forward.SourceTrack track(String endpointId, io.junction.bridge.forward.MediaKind kind) {
        MediaSession m = session(endpointId);
        io.junction.bridge.forward.SourceTrack t = m == null ? null : m.track(kind);
        return t == null || t.isEnded() ? null : t;
    }

    /** A simulcast layer nobody needs is paused at the publisher after this long. */
    static final long LAYER_PAUSE_HOLD_NS = 5_000_000_000L;
}
