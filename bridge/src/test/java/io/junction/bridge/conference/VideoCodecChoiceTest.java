package io.junction.bridge.conference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.junction.bridge.sdp.SdpTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a client decodes, read from its answer (a captured Chromium one, and the same answering only VP8). */
class VideoCodecChoiceTest {
    private static final List<String> MIDS = List.of("0", "1", "2", "3", "4");

    @Test
    void chromiumDecodesEveryOfferedCodec() throws Exception {
        ClientAnswer a = SdpGlue.parseAnswer(SdpTest.fixture("chromium-vp9-answer.sdp"), MIDS);
        assertEquals(Set.of("VP8", "VP9", "H264"), a.videoCodecs());
    }

    @Test
    void aClientKeepingOnlyVp8OnItsForwardedTracksDecodesOnlyVp8() throws Exception {
        String sdp = SdpTest.fixture("chromium-vp9-answer.sdp")
                .replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103", "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
        ClientAnswer a = SdpGlue.parseAnswer(sdp, MIDS);
        assertEquals(Set.of("VP8"), a.videoCodecs(), "the camera m-line (VP9 first) does not count: it offered less");
    }

    @Test
    void beforeAnyForwardedTrackTheCameraLineTells() throws Exception {
        String sdp = SdpTest.fixture("chromium-vp9-answer.sdp")
                .replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103", "m=video 0 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103");
        ClientAnswer a = SdpGlue.parseAnswer(sdp, MIDS);
        assertEquals(Set.of("VP8", "VP9", "H264"), a.videoCodecs());
    }

    /** Whether the client takes the dependency descriptor on what the bridge sends it (its forwarded tracks' m-lines). */
    @Test
    void theAnswerTellsWhetherTheClientTakesTheDependencyDescriptor() throws Exception {
        assertEquals(true, SdpGlue.parseAnswer(SdpTest.fixture("chromium-av1-dd-answer.sdp"), MIDS).dependencyDescriptor());
        assertEquals(false, SdpGlue.parseAnswer(SdpTest.fixture("chromium-vp9-answer.sdp"), MIDS).dependencyDescriptor(),
                "an answer to an offer without it");
        String dropped = SdpTest.fixture("chromium-av1-dd-answer.sdp")
                .replace("a=extmap:12 https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension\r\n", "");
        assertEquals(false, SdpGlue.parseAnswer(dropped, MIDS).dependencyDescriptor(), "a client that dropped it");
        assertEquals(Set.of("VP8", "VP9", "H264", "AV1"), SdpGlue.parseAnswer(SdpTest.fixture("chromium-av1-dd-answer.sdp"), MIDS).videoCodecs());
    }
}
