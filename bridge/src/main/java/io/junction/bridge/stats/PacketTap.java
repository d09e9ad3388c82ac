package io.junction.bridge.stats;

/**
 * An optional observer of decrypted packets, for capturing test fixtures and debugging. Called on
 * packet workers; must not keep the array. Unset (null) in production: one volatile read per packet.
 */
@FunctionalInterface
public interface PacketTap {
    void onPacket(String endpointId, boolean rtcp, byte[] buf, int off, int len);
}
