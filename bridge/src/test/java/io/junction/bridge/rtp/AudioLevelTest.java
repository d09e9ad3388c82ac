package io.junction.bridge.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.CodecCatalog;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AudioLevelTest {
    private final RtpPacket rtp = new RtpPacket();

    @Test
    void chromiumOpusPacketCarriesLevel38WithVoiceActivity() {
        byte[] p = Fixtures.withRoom(Fixtures.get("opus"), 40, 20);
        assertTrue(rtp.wrap(p, 40, p.length - 60));
        // bede 0003 ... [10 a6]: id 1 (the id the bridge offers), V=1, level 0x26 = 38 dBov
        assertEquals(38, AudioLevel.audioLevel(rtp, CodecCatalog.EXT_AUDIO_LEVEL));
        assertTrue(AudioLevel.voiceActivity(rtp, CodecCatalog.EXT_AUDIO_LEVEL));
        assertEquals(-1, AudioLevel.audioLevel(rtp, 7), "an id the packet does not carry");
        assertEquals(-1, AudioLevel.audioLevel(rtp, 0), "id 0 is padding, never an element");
        assertEquals(-1, AudioLevel.audioLevel(rtp, -1), "not negotiated");
    }

    @Test
    void videoPacketHasNoLevel() {
        byte[] p = Fixtures.get("vp8");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(-1, AudioLevel.audioLevel(rtp, CodecCatalog.EXT_AUDIO_LEVEL));
        assertFalse(AudioLevel.voiceActivity(rtp, CodecCatalog.EXT_AUDIO_LEVEL));
    }

    @Test
    void packetWithoutExtensionsHasNoLevel() {
        byte[] p = HexFormat.of().parseHex("806f0001000000640000abcd" + "fcff");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(-1, AudioLevel.audioLevel(rtp, 1));
    }

    @Test
    void silenceFromAMutedTrackAndTheTwoByteForm() {
        // one-byte form, id 1, V=0, level 127 (what track.enabled = false sends), then padding
        byte[] muted = HexFormat.of().parseHex("906f0001000000640000abcd" + "bede0001" + "107f0000" + "fcff");
        assertTrue(rtp.wrap(muted, 0, muted.length));
        assertEquals(AudioLevel.SILENCE, AudioLevel.audioLevel(rtp, 1));
        assertFalse(AudioLevel.voiceActivity(rtp, 1));
        // two-byte form (profile 0x1000), id 1, length 1, V=1, level 5
        byte[] twoByte = HexFormat.of().parseHex("906f0001000000640000abcd" + "10000001" + "01018500" + "fcff");
        assertTrue(rtp.wrap(twoByte, 0, twoByte.length));
        assertEquals(5, AudioLevel.audioLevel(rtp, 1));
        assertTrue(AudioLevel.voiceActivity(rtp, 1));
    }
}
