package io.junction.api.cluster;

/**
 * One bridge as the cluster sees it: what it wrote to Redis at its last heartbeat.
 *
 * @param id           the bridge id ({@code cluster.bridge-id})
 * @param region       where it runs (may be empty)
 * @param publicUrl    its public server (clients' signaling, demo page)
 * @param adminUrl     its admin API (other bridges place conferences and endpoints through it)
 * @param state        "up", or "draining" (no new conferences or endpoints are placed there)
 * @param endpoints    participants connected or joining
 * @param conferences  conferences it holds
 * @param bitrateOutBps what it sends, bits per second
 * @param cpu          the process's CPU load, 0..1 (-1 when unknown)
 * @param maxEndpoints when it counts as full
 * @param heartbeatMs  wall-clock time of that heartbeat
 */
public record Member(String id, String region, String publicUrl, String adminUrl, String state, int endpoints,
                     int conferences, long bitrateOutBps, double cpu, int maxEndpoints, long heartbeatMs) {
    public boolean up() {
        return "up".equals(state);
    }

    /** Takes new conferences: up and below its endpoint limit. */
    public boolean available() {
        return up() && endpoints < maxEndpoints;
    }

    /** The fraction of its endpoint capacity in use, the load placement compares. */
    public double load() {
        return maxEndpoints <= 0 ? 1 : (double) endpoints / maxEndpoints;
    }
}
