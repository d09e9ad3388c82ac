package io.junction.bridge.conference;

import java.security.SecureRandom;

/** Random identifiers: 12 lowercase hex characters, safe in URLs, SDP msid tokens and CSS selectors. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Ids() {}

    static String next() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        char[] out = new char[12];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = HEX[(b[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[b[i] & 0xF];
        }
        return new String(out);
    }
}
