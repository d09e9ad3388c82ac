package io.junction.bridge.conference;

import io.junction.bridge.forward.Subscription;
import java.util.ArrayList;
import java.util.List;

/**
 * The negotiation of a WHEP viewer: its receive-only offer, answered once, fixes one audio and one
 * video m-line and the SSRCs the bridge sends on them. It subscribes to nothing by itself: the
 * conference's forwarding tick points its two subscriptions at the stage
 * ({@link MediaSession#followStage}), and they keep their SSRC, sequence numbers and timestamps
 * across every move. Guarded by the media session's monitor.
 */
final class StageViewer extends ClientOffers {
    final String audioMid;
    final String videoMid;
    final int audioSsrc;
    final int videoSsrc;
    final int videoRtxSsrc;
    /** The participant this viewer always sees, or null: the stage. */
    final String pinnedEndpointId;
    /** Written by the conference's worker only ({@link MediaSession#followStage}); read by the control plane too. */
    volatile Subscription audio;
    volatile Subscription video;

    StageViewer(String audioMid, String videoMid, int audioSsrc, int videoSsrc, int videoRtxSsrc, String pinnedEndpointId) {
        super(null, null); // publishes nothing
        this.audioMid = audioMid;
        this.videoMid = videoMid;
        this.audioSsrc = audioSsrc;
        this.videoSsrc = videoSsrc;
        this.videoRtxSsrc = videoRtxSsrc;
        this.pinnedEndpointId = pinnedEndpointId;
    }

    @Override
    public List<Subscription> subscriptions() {
        List<Subscription> out = new ArrayList<>(2);
        if (audio != null) {
            out.add(audio);
        }
        if (video != null) {
            out.add(video);
        }
        return out;
    }

    @Override
    public ClientAnswer read(int revision, String sdp) throws AnswerException {
        throw new AnswerException("bad-message", "this viewer negotiates over WHEP");
    }
}
