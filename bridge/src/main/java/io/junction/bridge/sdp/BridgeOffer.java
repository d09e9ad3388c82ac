package io.junction.bridge.sdp;

import java.util.List;

/**
 * The model of an offer the bridge sends one endpoint. Rendered by {@link OfferWriter}.
 *
 * @param sessionId  stays the same for the endpoint's life; {@code version} increases per offer
 * @param dependencyDescriptor offer the dependency descriptor extension on video (and
 *                   {@code a=extmap-allow-mixed})
 */
public record BridgeOffer(long sessionId, long version, String iceUfrag, String icePassword, String fingerprintSha256,
                          List<Candidate> candidates, List<Section> sections, boolean dependencyDescriptor) {
    /** An offer without the dependency descriptor extension. */
    public BridgeOffer(long sessionId, long version, String iceUfrag, String icePassword, String fingerprintSha256,
                       List<Candidate> candidates, List<Section> sections) {
        this(sessionId, version, iceUfrag, icePassword, fingerprintSha256, candidates, sections, false);
    }

    /** A candidate the bridge advertises (RFC 8839 §5.1). */
    public record Candidate(String foundation, long priority, String address, int port, String type,
                            String relatedAddress, int relatedPort, boolean tcp) {
        /** A UDP candidate. */
        public Candidate(String foundation, long priority, String address, int port, String type,
                         String relatedAddress, int relatedPort) {
            this(foundation, priority, address, port, type, relatedAddress, relatedPort, false);
        }
    }

    /** The direction of a section, from the bridge's point of view. */
    public enum Direction { RECVONLY, SENDONLY, INACTIVE }

    /**
     * One m-line. For {@code SENDONLY} sections {@code ssrc}, {@code cname}, {@code streamId} and
     * {@code trackId} describe the forwarded track ({@code rtxSsrc} 0 when none). {@code recvRids}: the
     * simulcast layers a {@code RECVONLY} section asks for (RFC 8851/8853), lowest first; empty for none.
     * {@code codecs}: the payload types offered, in order of preference; null for the catalog's
     * default ones of the section's kind.
     */
    public record Section(String mid, boolean video, Direction direction, int ssrc, int rtxSsrc, String cname,
                          String streamId, String trackId, List<String> recvRids,
                          List<io.junction.bridge.codec.CodecCatalog.Codec> codecs) {
        public Section {
            recvRids = List.copyOf(recvRids);
            codecs = codecs == null ? null : List.copyOf(codecs);
        }

        /** Every video codec of the catalog, in its order. */
        public Section(String mid, boolean video, Direction direction, int ssrc, int rtxSsrc, String cname,
                       String streamId, String trackId, List<String> recvRids) {
            this(mid, video, direction, ssrc, rtxSsrc, cname, streamId, trackId, recvRids, null);
        }

        /** The same section offering only {@code names} (video codec names, in order of preference, each with its RTX). */
        public Section withVideoCodecs(List<String> names) {
            return withCodecs(io.junction.bridge.codec.CodecCatalog.videoCodecs(names));
        }

        /** The same section offering {@code codecs}, in this order. */
        public Section withCodecs(List<io.junction.bridge.codec.CodecCatalog.Codec> codecs) {
            return new Section(mid, video, direction, ssrc, rtxSsrc, cname, streamId, trackId, recvRids, codecs);
        }

        public static Section receive(String mid, boolean video) {
            return receive(mid, video, List.of());
        }

        public static Section receive(String mid, boolean video, List<String> rids) {
            return new Section(mid, video, Direction.RECVONLY, 0, 0, null, null, null, rids);
        }

        public static Section inactive(String mid, boolean video) {
            return new Section(mid, video, Direction.INACTIVE, 0, 0, null, null, null, List.of());
        }

        public static Section send(String mid, boolean video, int ssrc, int rtxSsrc, String cname, String streamId,
                                   String trackId) {
            return new Section(mid, video, Direction.SENDONLY, ssrc, rtxSsrc, cname, streamId, trackId, List.of());
        }
    }

    public BridgeOffer {
        candidates = List.copyOf(candidates);
        sections = List.copyOf(sections);
    }
}
