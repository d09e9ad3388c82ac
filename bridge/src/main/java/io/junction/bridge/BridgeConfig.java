package io.junction.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The media core's configuration: an immutable tree built once at start-up by the loader in
 * signaling-api (from HOCON) or directly by tests. Every value here has already been validated.
 *
 * @param mediaPort              the single UDP port every endpoint shares (ICE single-port harvester)
 * @param mediaTcpPort           ICE-TCP (RFC 6544, passive) port beside the UDP one; 0: none
 * @param mediaBindAddress       local address the media socket binds to
 * @param advertisedAddresses    addresses offered as host candidates; empty = all usable interface addresses
 * @param publicIp               1:1 NAT public address advertised in addition (or empty; "auto": asked of
 *                               {@code stunServers} at start-up)
 * @param stunServers            "host:port" STUN servers for {@code publicIp = "auto"}
 * @param staticMappings         local→public address mappings for hosts behind a static NAT
 * @param iceConsentTimeout      an endpoint with no traffic for this long is expired
 * @param iceConnectTimeout      an endpoint whose ICE has not connected this long after its answer fails
 *                               with {@code ice-failed} (before the DTLS timeout could name the wrong layer)
 * @param dtlsHandshakeTimeout   a DTLS handshake that takes longer fails
 * @param srtpCrypto             which AES implementation SRTP uses
 * @param maxConferences         limit of concurrent conferences (creation beyond fails)
 * @param maxEndpointsPerConference limit of endpoints in one conference
 * @param emptyConferenceTimeout a conference without endpoints for this long expires
 * @param packetWorkers          number of packet worker threads
 * @param maxPublisherBitrateBps cap on each publisher's total send bitrate, announced with REMB (0 = no cap)
 * @param forwarding             selective forwarding: simulcast, downlink estimation, last-N
 */
public record BridgeConfig(
        int mediaPort,
        int mediaTcpPort,
        String mediaBindAddress,
        List<String> advertisedAddresses,
        String publicIp,
        List<String> stunServers,
        List<StaticMapping> staticMappings,
        Duration iceConsentTimeout,
        Duration iceConnectTimeout,
        Duration dtlsHandshakeTimeout,
        SrtpCrypto srtpCrypto,
        int maxConferences,
        int maxEndpointsPerConference,
        Duration emptyConferenceTimeout,
        int packetWorkers,
        long maxPublisherBitrateBps,
        Forwarding forwarding) {

    /**
     * Selective forwarding settings.
     *
     * @param simulcast        offer publishers three simulcast layers (rids {@code q;h;f}, low to high)
     * @param estimateDownlink run the send-side estimator per subscriber on its transport-cc feedback and
     *                         fit the forwarded layers into it; false: only constraints decide
     * @param startBitrateBps  downlink estimate a new subscriber starts with
     * @param maxBitrateBps    the most the bridge sends one subscriber (the estimator's ceiling)
     * @param defaultLastN     video of at most this many endpoints is forwarded (-1 = all) unless the
     *                         receiver asks for fewer
     * @param pauseUnusedLayers tell publishers to stop encoding simulcast layers no receiver's
     *                         constraints would take (resumed when one would)
     * @param videoCodecs      the video codecs offered, in order of preference (canonical names of
     *                         {@link io.junction.bridge.codec.CodecCatalog#VIDEO_CODEC_NAMES}); a
     *                         conference may override it
     * @param audioRed         offer redundant audio (RFC 2198) before Opus; receivers that did not
     *                         negotiate it get the primary Opus frames
     * @param opusDtx          ask for Opus discontinuous transmission in silence
     * @param opusStereo       ask for stereo Opus
     * @param dependencyDescriptor offer the dependency descriptor header extension on video: publishers
     *                         that send it are forwarded by decode target (AV1 layers, any codec)
     */
    public record Forwarding(boolean simulcast, boolean estimateDownlink, long startBitrateBps, long maxBitrateBps,
                             int defaultLastN, boolean pauseUnusedLayers, java.util.List<String> videoCodecs,
                             boolean audioRed, boolean opusDtx, boolean opusStereo, boolean dependencyDescriptor) {
        public static final Forwarding DEFAULTS = new Forwarding(true, true, 2_500_000, 20_000_000, -1, true,
                io.junction.bridge.codec.CodecCatalog.VIDEO_CODEC_NAMES, true, false, false, true);

        /** Without codec settings: every video codec in the default order, RED, no DTX, mono, the dependency descriptor. */
        public Forwarding(boolean simulcast, boolean estimateDownlink, long startBitrateBps, long maxBitrateBps,
                          int defaultLastN, boolean pauseUnusedLayers) {
            this(simulcast, estimateDownlink, startBitrateBps, maxBitrateBps, defaultLastN, pauseUnusedLayers,
                    io.junction.bridge.codec.CodecCatalog.VIDEO_CODEC_NAMES, true, false, false, true);
        }

        /** The audio payload types offered. */
        public java.util.List<io.junction.bridge.codec.CodecCatalog.Codec> audioCodecs() {
            return io.junction.bridge.codec.CodecCatalog.audioCodecs(audioRed, opusDtx, opusStereo);
        }

        public Forwarding {
            videoCodecs = checkVideoCodecs(videoCodecs);
            if (startBitrateBps <= 0 || maxBitrateBps < startBitrateBps) {
                throw new IllegalArgumentException("need 0 < startBitrateBps <= maxBitrateBps");
            }
            if (defaultLastN < -1) {
                throw new IllegalArgumentException("defaultLastN < -1");
            }
        }
    }

    /**
     * {@code names} as canonical video codec names, in the same order; refuses an empty list, an
     * unknown name or a repeated one.
     */
    public static java.util.List<String> checkVideoCodecs(java.util.List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("no video codec (choose from "
                    + io.junction.bridge.codec.CodecCatalog.VIDEO_CODEC_NAMES + ")");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String n : names) {
            String c = n == null ? null : io.junction.bridge.codec.CodecCatalog.videoCodecName(n.trim());
            if (c == null) {
                throw new IllegalArgumentException("unknown video codec '" + n + "' (choose from "
                        + io.junction.bridge.codec.CodecCatalog.VIDEO_CODEC_NAMES + ")");
            }
            if (out.contains(c)) {
                throw new IllegalArgumentException("video codec " + c + " listed twice");
            }
            out.add(c);
        }
        return java.util.List.copyOf(out);
    }

    /**
     * Which SRTP implementation the bridge uses: Junction's own on the system's OpenSSL (NATIVE), or
     * jitsi-srtp with OpenSSL's or the JDK's AES; AUTO takes the first that loads, in that order.
     */
    public enum SrtpCrypto { AUTO, NATIVE, OPENSSL, JAVA }

    /** A static NAT mapping: packets to {@code localAddress} arrive when peers send to {@code publicAddress}. */
    public record StaticMapping(String localAddress, String publicAddress) {
        public StaticMapping {
            Objects.requireNonNull(localAddress);
            Objects.requireNonNull(publicAddress);
        }
    }

    public BridgeConfig {
        Objects.requireNonNull(mediaBindAddress);
        advertisedAddresses = List.copyOf(advertisedAddresses);
        publicIp = publicIp == null ? "" : publicIp;
        stunServers = List.copyOf(stunServers);
        staticMappings = List.copyOf(staticMappings);
        Objects.requireNonNull(iceConsentTimeout);
        Objects.requireNonNull(iceConnectTimeout);
        Objects.requireNonNull(dtlsHandshakeTimeout);
        Objects.requireNonNull(srtpCrypto);
        Objects.requireNonNull(emptyConferenceTimeout);
        Objects.requireNonNull(forwarding);
        if (maxPublisherBitrateBps < 0) {
            throw new IllegalArgumentException("maxPublisherBitrateBps < 0");
        }
    }

    /** Defaults suitable for tests: loopback only, ephemeral-ish settings. */
    public static BridgeConfig loopbackDefaults(int mediaPort) {
        return new BridgeConfig(mediaPort, 0, "127.0.0.1", List.of("127.0.0.1"), "", List.of(), List.of(),
                Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofSeconds(30), SrtpCrypto.AUTO,
                1000, 100, Duration.ofSeconds(60), 2, 0, Forwarding.DEFAULTS);
    }

    public BridgeConfig withLimits(int maxConferences, int maxEndpointsPerConference, Duration emptyTimeout) {
        return new BridgeConfig(mediaPort, mediaTcpPort, mediaBindAddress, advertisedAddresses, publicIp, stunServers, staticMappings,
                iceConsentTimeout, iceConnectTimeout, dtlsHandshakeTimeout, srtpCrypto, maxConferences, maxEndpointsPerConference,
                emptyTimeout, packetWorkers, maxPublisherBitrateBps, forwarding);
    }

    public BridgeConfig withMaxPublisherBitrate(long bps) {
        return new BridgeConfig(mediaPort, mediaTcpPort, mediaBindAddress, advertisedAddresses, publicIp, stunServers, staticMappings,
                iceConsentTimeout, iceConnectTimeout, dtlsHandshakeTimeout, srtpCrypto, maxConferences, maxEndpointsPerConference,
                emptyConferenceTimeout, packetWorkers, bps, forwarding);
    }

    public BridgeConfig withForwarding(Forwarding f) {
        return new BridgeConfig(mediaPort, mediaTcpPort, mediaBindAddress, advertisedAddresses, publicIp, stunServers, staticMappings,
                iceConsentTimeout, iceConnectTimeout, dtlsHandshakeTimeout, srtpCrypto, maxConferences, maxEndpointsPerConference,
                emptyConferenceTimeout, packetWorkers, maxPublisherBitrateBps, f);
    }
}
