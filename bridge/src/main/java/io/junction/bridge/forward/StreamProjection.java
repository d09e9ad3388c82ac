package io.junction.bridge.forward;

/**
 * What the sender-report path needs from a subscription's projection: which source SSRC is being
 * forwarded and by how much its timestamps are moved, so a publisher's SR can be re-issued with the
 * subscriber-side timestamp (and dropped when it describes a layer not forwarded).
 */
public interface StreamProjection {
    boolean started();

    int sourceSsrc();

    int tsDelta();
}
