package io.junction.bridge.pipeline;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.stats.PacketTap;
import io.junction.bridge.worker.PacketPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The bridge-wide things every endpoint's packet path uses: the packet pool, the media counters, the
 * configuration, the media control thread (probe pacing) and the optional tap on decrypted packets.
 */
public record PathContext(PacketPool pool, MediaCounters counters, BridgeConfig config, ScheduledExecutorService control,
                          Supplier<PacketTap> tap) {}
