package io.junction.bridge.worker;

/** Processes a packet on its worker thread and takes ownership of it (must release or pass it on). */
@FunctionalInterface
public interface PacketHandler {
    void handle(Packet packet);
}
