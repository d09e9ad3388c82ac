package io.junction.bridge.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.sdp.ClientAnswerReader;
import io.junction.bridge.sdp.SdpException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of the SDP answer reader, which reads what any client sends. A bad answer
 * must be an {@link SdpException} with a message (the client gets it as a {@code bad-sdp} error),
 * never another exception; an accepted answer is complete.
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
}
