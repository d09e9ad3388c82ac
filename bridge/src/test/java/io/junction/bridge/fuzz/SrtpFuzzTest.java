package io.junction.bridge.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of SRTP/SRTCP as the bridge runs it (the native OpenSSL implementation
 * when it loads): arbitrary datagrams are unprotected at an arbitrary place in an arbitrary buffer
 * (never an exception, a length inside the input or an error), and whatever is protected comes back
 * unchanged from the other side.
 */
class SrtpFuzzTest {
    private static final SrtpSession[] BRIDGE = new SrtpSession[2];
    private static final SrtpSession[] CLIENT = new SrtpSession[2];

    static {
        for (SrtpProfile p : SrtpProfile.values()) {
            byte[] km = new byte[p.keyingMaterialLength()];
            Arrays.fill(km, (byte) 0x5A);
            BRIDGE[p.ordinal()] = new SrtpSession(p, km, true, false);
            CLIENT[p.ordinal()] = new SrtpSession(p, km, false, false);
        }
    }

    @FuzzTest
    void srtp(byte[] data) {
        if (data.length < 3) {
            return;
        }
        int profile = data[0] & 1;
        int off = data[1] & 0x1F;
        int tail = data[2] & 0x3F;
        byte[] packet = Arrays.copyOfRange(data, 3, data.length);
        byte[] buf = new byte[off + packet.length + tail];
        System.arraycopy(packet, 0, buf, off, packet.length);
        SrtpSession bridge = BRIDGE[profile];
        boolean rtcp = PacketTransport.isRtcp(buf, off, packet.length);
        int n = rtcp ? bridge.unprotectRtcp(buf, off, packet.length) : bridge.unprotectRtp(buf, off, packet.length);
        assertTrue(n < 0 || n <= packet.length, "unprotect gave " + n + " of " + packet.length);

        // What the client protects, the bridge unprotects to the same bytes (when it fits at all).
        byte[] out = new byte[off + packet.length + tail];
        System.arraycopy(packet, 0, out, off, packet.length);
        SrtpSession client = CLIENT[profile];
        int p = rtcp ? client.protectRtcp(out, off, packet.length) : client.protectRtp(out, off, packet.length);
        if (p < 0) {
            return;
        }
        assertTrue(p > packet.length && off + p <= out.length, "protect gave " + p);
        int u = rtcp ? bridge.unprotectRtcp(out, off, p) : bridge.unprotectRtp(out, off, p);
        assertEquals(packet.length, u, "round trip");
        assertArrayEquals(packet, Arrays.copyOfRange(out, off, off + u));
    }
}
