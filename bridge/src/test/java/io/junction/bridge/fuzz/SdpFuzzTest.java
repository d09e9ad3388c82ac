package io.junction.bridge.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.sdp.AnswerWriter;
import io.junction.bridge.sdp.ClientAnswerReader;
import io.junction.bridge.sdp.ClientOfferReader;
import io.junction.bridge.sdp.SessionDescription;
import io.junction.bridge.sdp.SdpException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of the SDP readers, which read what any client sends: the SDK client's
 * answer, and a WHIP client's offer (with the bridge's answer to it). Bad SDP must be an
 * {@link SdpException} with a message (the client gets it as a {@code bad-sdp} error or a 400),
 * never another exception; an accepted answer is complete, and an accepted offer gets an answer
 * that parses again with one section per offered m-line and a chosen codec on each accepted one.
 */
class SdpFuzzTest {
    private static final List<String> OFFERED = List.of("0", "1", "2", "3");

    @FuzzTest
    void answer(byte[] data) {
        String sdp = new String(data, StandardCharsets.UTF_8);
        ClientAnswerReader.Answer a;
        try {
            a = ClientAnswerReader.read(sdp, OFFERED);
        } catch (SdpException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertNotNull(a.iceUfrag());
        assertNotNull(a.icePassword());
        assertNotNull(a.fingerprintSha256());
        assertEquals(OFFERED.size(), a.sections().size());
        for (int i = 0; i < OFFERED.size(); i++) {
            assertEquals(OFFERED.get(i), a.sections().get(i).mid());
        }
        assertTrue(sdp.length() >= 10);
    }

    @FuzzTest
    void offer(byte[] data) throws SdpException {
        String sdp = new String(data, StandardCharsets.UTF_8);
        ClientOfferReader.Offer o;
        try {
            o = ClientOfferReader.read(sdp);
        } catch (SdpException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertNotNull(o.iceUfrag());
        assertNotNull(o.fingerprintSha256());
        assertTrue(!o.accepted().isEmpty());
        for (ClientOfferReader.Section s : o.accepted()) {
            assertTrue(s.codec().bridgePayloadType() >= 0);
            assertNotNull(s.mid());
        }
        String answer = AnswerWriter.write(o, 1, "ufrag", "password", "00:11", List.of());
        assertEquals(o.sections().size(), SessionDescription.parse(answer).media().size());
        viewerOffer(sdp);
    }

    /** The same bytes as a WHEP viewer's offer: read, then answered sendonly with every codec. */
    private static void viewerOffer(String sdp) throws SdpException {
        ClientOfferReader.Offer o;
        try {
            o = ClientOfferReader.readViewer(sdp);
        } catch (SdpException e) {
            assertNotNull(e.getMessage());
            return;
        }
        java.util.Map<String, AnswerWriter.Sending> sending = new java.util.HashMap<>();
        for (ClientOfferReader.Section s : o.accepted()) {
            assertTrue(s.choices().stream().allMatch(c -> c.codec().bridgePayloadType() >= 0));
            sending.putIfAbsent(s.mid(), new AnswerWriter.Sending(1, 2, "c", "s", "t", s.extensions()));
        }
        String answer = AnswerWriter.write(o, 1, "ufrag", "password", "00:11", List.of(), sending);
        assertEquals(o.sections().size(), SessionDescription.parse(answer).media().size());
    }
}
