package io.junction.bridge.cc;

/**
 * What the delay-based overuse detector concludes about the path to one subscriber: queues are
 * growing (overusing), draining (underusing) or neither (normal). Exposed for logs and metrics.
 */
public enum BandwidthUsage {
    NORMAL,
    OVERUSING,
    UNDERUSING
}
