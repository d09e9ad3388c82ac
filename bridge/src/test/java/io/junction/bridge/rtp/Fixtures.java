package io.junction.bridge.rtp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads named hex packets from {@code src/test/resources/rtp/chromium-captures.txt}. */
public final class Fixtures {
    private static Map<String, byte[]> cache;

    private Fixtures() {}

    public static synchronized byte[] get(String name) {
        if (cache == null) {
            cache = new LinkedHashMap<>();
            try (InputStream in = Fixtures.class.getResourceAsStream("/rtp/chromium-captures.txt")) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] f = line.trim().split(" ");
                    cache.put(f[0], HexFormat.of().parseHex(f[1]));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        byte[] b = cache.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no fixture " + name);
        }
        return b.clone();
    }

    /** The packet copied into a buffer with head and tail room, as the bridge holds packets. */
    public static byte[] withRoom(byte[] packet, int head, int tail) {
        byte[] b = new byte[head + packet.length + tail];
        System.arraycopy(packet, 0, b, head, packet.length);
        return b;
    }
}
