package io.junction.bridge.conference;

import io.junction.bridge.forward.KeyframeSource;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.SsrcTable;
import io.junction.bridge.pipeline.EndpointStreams;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracks one endpoint publishes (microphone, camera, screen share), kept in step with what its answers say it sends,
 * and published to the packet path's {@link EndpointStreams} (by publish mid and by SSRC). Guarded by
 * the media session's monitor.
 */
final class PublishedTracks {
    private final String endpointId;
    private final EndpointStreams streams;
    private final KeyframeSource keyframes;
    private SourceTrack audio;
    private SourceTrack video;
    private SourceTrack screen;

    PublishedTracks(String endpointId, EndpointStreams streams, KeyframeSource keyframes) {
        this.endpointId = endpointId;
        this.streams = streams;
        this.keyframes = keyframes;
    }

    SourceTrack get(MediaKind kind) {
        return kind == MediaKind.AUDIO ? audio : video;
    }

    /** The published tracks: audio, camera, screen. */
    List<SourceTrack> all() {
        List<SourceTrack> out = new ArrayList<>(3);
        if (audio != null) {
            out.add(audio);
        }
        if (video != null) {
            out.add(video);
        }
        if (screen != null) {
            out.add(screen);
        }
        return out;
    }

    /**
     * Creates, updates or ends the track of {@code kind} published on m-line {@code mid} from what the
     * client's answer says it sends ({@code send}, null: nothing). New tracks go to {@code created},
     * ended ones to {@code ended}.
     */
    void update(MediaKind kind, String mid, ClientAnswer.SendStream send, List<SourceTrack> created,
                List<SourceTrack> ended) {
        update(kind, false, mid, send, created, ended);
    }

    /** As above, for the screen share ({@code isScreen}: the second video source). */
    void update(MediaKind kind, boolean isScreen, String mid, ClientAnswer.SendStream send, List<SourceTrack> created,
                List<SourceTrack> ended) {
        SourceTrack existing = isScreen ? screen : get(kind);
        if (send == null) {
            if (existing != null) {
                // It stopped sending this kind: the track ends (subscribers get a BYE and lose the slot).
                existing.end();
                SsrcTable<SourceEncoding> table = streams.encodingsBySsrc;
                for (SourceEncoding e : existing.encodings()) {
                    table = table.without(e.ssrc()).without(e.rtxSsrc());
                }
                streams.encodingsBySsrc = table;
                set(kind, isScreen, null);
                streams.setPublished(mid, kind, null);
                ended.add(existing);
            }
            return; // not publishing this kind (receive-only client)
        }
        if (existing != null) {
            SourceEncoding e0 = existing.encodings()[0];
            if (!existing.isSimulcast() && send.ssrc() != 0 && send.ssrc() != e0.ssrc()) {
                streams.encodingsBySsrc = streams.encodingsBySsrc.without(e0.ssrc()).with(send.ssrc(), e0);
                e0.setSsrc(send.ssrc());
            }
            return;
        }
        String trackId = endpointId + "-" + (isScreen ? "screen" : kind.sdpName());
        List<String> rids = kind == MediaKind.VIDEO ? layerOrder(send.rids()) : List.of();
        SourceTrack t = new SourceTrack(endpointId, kind, trackId, rids, rids.isEmpty() ? send.ssrc() : 0,
                rids.isEmpty() ? send.rtxSsrc() : 0, keyframes, isScreen);
        set(kind, isScreen, t);
        SsrcTable<SourceEncoding> table = streams.encodingsBySsrc;
        SourceEncoding e0 = t.encodings()[0];
        if (e0.ssrc() != 0) {
            table = table.with(e0.ssrc(), e0);
        }
        if (e0.rtxSsrc() != 0) {
            table = table.with(e0.rtxSsrc(), e0);
        }
        streams.encodingsBySsrc = table;
        streams.setPublished(mid, kind, t);
        created.add(t);
    }

    private void set(MediaKind kind, boolean isScreen, SourceTrack t) {
        if (isScreen) {
            screen = t;
        } else if (kind == MediaKind.AUDIO) {
            audio = t;
        } else {
            video = t;
        }
    }

    /**
     * The client's simulcast rids as layers, lowest first: the bridge's own rids in the order it
     * offered them, then any others in the client's order.
     */
    static List<String> layerOrder(List<String> clientRids) {
        List<String> out = new ArrayList<>();
        for (String r : SdpGlue.SIMULCAST_RIDS) {
            if (clientRids.contains(r)) {
                out.add(r);
            }
        }
        for (String r : clientRids) {
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out.size() > 1 ? out : List.of();
    }
}
