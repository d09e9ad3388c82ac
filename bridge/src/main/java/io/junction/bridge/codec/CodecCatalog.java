package io.junction.bridge.codec;

import java.util.List;
import java.util.function.Supplier;

/**
 * What the bridge offers, and the only place that says it: codecs with their payload types, clock
 * rates, feedback and parameters, the {@link VideoCodec} that reads each video payload format, and
 * header extensions with fixed ids (BUNDLE requires the same id for a URI on every m-line). The SDP
 * writer renders it; the packet path looks payload types up in tables built from it once.
 */
public final class CodecCatalog {
    /**
     * One payload type. {@code apt} is the primary payload type for RTX, else -1; {@code payloadFormat}
     * makes the reader of a video payload format (null for audio and RTX).
     */
    public record Codec(int payloadType, String name, int clockRate, int channels, String fmtp, List<String> feedback,
                        int apt, Supplier<VideoCodec> payloadFormat) {}

    /** One header extension (RFC 8285) and the media kinds it is offered on. */
    public record Extension(int id, String uri, boolean audio, boolean video) {}

    public static final int EXT_AUDIO_LEVEL = 1;
    public static final int EXT_ABS_SEND_TIME = 2;
    public static final int EXT_TRANSPORT_CC = 3;
    public static final int EXT_MID = 4;
    public static final int EXT_RID = 10;
    /** The transport-cc extension's URI (the one extension a WHEP viewer is sent). */
    public static final String URI_TRANSPORT_CC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public static final int EXT_REPAIRED_RID = 11;
    /**
     * The dependency descriptor (AV1 RTP specification, appendix A), offered on video when configured:
     * a keyframe's structure needs the two-byte element form, so the offer also says
     * {@code a=extmap-allow-mixed}. Not in {@link #EXTENSIONS}: WHIP and WHEP clients do not get it.
     */
    public static final int EXT_DEPENDENCY_DESCRIPTOR = 12;
    public static final String URI_DEPENDENCY_DESCRIPTOR =
            "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";
    public static final Extension DEPENDENCY_DESCRIPTOR =
            new Extension(EXT_DEPENDENCY_DESCRIPTOR, URI_DEPENDENCY_DESCRIPTOR, false, true);

    public static final int PT_OPUS = 111;
    /** Redundant audio (RFC 2198) carrying Opus: Chromium sends it when it comes before Opus in the offer. */
    public static final int PT_RED = 63;
    public static final int PT_VP8 = 96;
    public static final int PT_VP8_RTX = 97;
    public static final int PT_VP9 = 98;
    public static final int PT_VP9_RTX = 99;
    public static final int PT_AV1 = 45;
    public static final int PT_AV1_RTX = 46;
    public static final int PT_H264 = 102;
    public static final int PT_H264_RTX = 103;

    public static final int AUDIO_CLOCK_RATE = 48_000;
    public static final int VIDEO_CLOCK_RATE = 90_000;

    private static final List<String> VIDEO_FB = List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli");

    public static final List<Codec> AUDIO = List.of(
            new Codec(PT_OPUS, "opus", AUDIO_CLOCK_RATE, 2, "minptime=10;useinbandfec=1", List.of("transport-cc"), -1, null));

    /**
     * The audio payload types to offer: RED carrying Opus first when {@code red} (a browser then sends
     * each Opus frame with the previous one as redundancy), then Opus with discontinuous transmission
     * ({@code dtx}: a packet every 400 ms in silence) and stereo ({@code stereo}) as asked.
     */
    public static List<Codec> audioCodecs(boolean red, boolean dtx, boolean stereo) {
        String fmtp = "minptime=10;useinbandfec=1" + (dtx ? ";usedtx=1" : "") + (stereo ? ";stereo=1;sprop-stereo=1" : "");
        Codec opus = new Codec(PT_OPUS, "opus", AUDIO_CLOCK_RATE, 2, fmtp, List.of("transport-cc"), -1, null);
        if (!red) {
            return List.of(opus);
        }
        return List.of(new Codec(PT_RED, "red", AUDIO_CLOCK_RATE, 2, PT_OPUS + "/" + PT_OPUS, List.of(), -1, null), opus);
    }

    public static final List<Codec> VIDEO = List.of(
            // x-google-start-bitrate: Chromium starts its estimate (and so its encoder resolution) at
            // 1 Mbit/s instead of 300 kbit/s; transport-cc feedback then corrects it either way.
            new Codec(PT_VP8, "VP8", VIDEO_CLOCK_RATE, 0, "x-google-start-bitrate=1000", VIDEO_FB, -1, Vp8Codec::new),
            new Codec(PT_VP8_RTX, "rtx", VIDEO_CLOCK_RATE, 0, "apt=" + PT_VP8, List.of(), PT_VP8, null),
            new Codec(PT_VP9, "VP9", VIDEO_CLOCK_RATE, 0, "profile-id=0;x-google-start-bitrate=1000", VIDEO_FB, -1,
                    Vp9Codec::new),
            new Codec(PT_VP9_RTX, "rtx", VIDEO_CLOCK_RATE, 0, "apt=" + PT_VP9, List.of(), PT_VP9, null),
            new Codec(PT_H264, "H264", VIDEO_CLOCK_RATE, 0,
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1000",
                    VIDEO_FB, -1, H264Codec::new),
            new Codec(PT_H264_RTX, "rtx", VIDEO_CLOCK_RATE, 0, "apt=" + PT_H264, List.of(), PT_H264, null),
            new Codec(PT_AV1, "AV1", VIDEO_CLOCK_RATE, 0, "level-idx=5;profile=0;tier=0;x-google-start-bitrate=1000",
                    VIDEO_FB, -1, Av1Codec::new),
            new Codec(PT_AV1_RTX, "rtx", VIDEO_CLOCK_RATE, 0, "apt=" + PT_AV1, List.of(), PT_AV1, null));

    public static final List<Extension> EXTENSIONS = List.of(
            new Extension(EXT_AUDIO_LEVEL, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", true, false),
            new Extension(EXT_ABS_SEND_TIME, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", true, true),
            new Extension(EXT_TRANSPORT_CC, URI_TRANSPORT_CC, true, true),
            new Extension(EXT_MID, "urn:ietf:params:rtp-hdrext:sdes:mid", true, true),
            new Extension(EXT_RID, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", false, true),
            new Extension(EXT_REPAIRED_RID, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", false, true));

    /** By payload type (0..127): the apt of an RTX type, else -1. */
    private static final int[] APT = new int[128];
    /** By primary payload type: its RTX payload type, else -1. */
    private static final int[] RTX = new int[128];

    static {
        java.util.Arrays.fill(APT, -1);
        java.util.Arrays.fill(RTX, -1);
        for (Codec c : VIDEO) {
            if (c.apt() >= 0) {
                APT[c.payloadType()] = c.apt();
                RTX[c.apt()] = c.payloadType();
            }
        }
    }

    private CodecCatalog() {}

    /** The video codecs the bridge can forward, by encoding name, in the default order of preference. */
    public static final List<String> VIDEO_CODEC_NAMES = List.of("VP8", "VP9", "H264", "AV1");

    /**
     * The video codec named {@code name} (any case: "vp9", "VP9") in canonical spelling, or null when
     * the bridge has none of that name.
     */
    public static String videoCodecName(String name) {
        for (String n : VIDEO_CODEC_NAMES) {
            if (n.equalsIgnoreCase(name)) {
                return n;
            }
        }
        return null;
    }

    /**
     * The video payload types to offer for {@code names} (canonical, in preference order): each codec
     * followed by its RTX type.
     */
    public static List<Codec> videoCodecs(List<String> names) {
        List<Codec> out = new java.util.ArrayList<>();
        for (String n : names) {
            for (Codec c : VIDEO) {
                if (c.apt() < 0 && c.name().equalsIgnoreCase(n)) {
                    out.add(c);
                    int rtx = rtxPayloadType(c.payloadType());
                    for (Codec r : VIDEO) {
                        if (r.payloadType() == rtx) {
                            out.add(r);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The canonical name of the video codec with the bridge's payload type {@code pt}, or null (RTX, audio, unknown). */
    public static String videoCodecNameOf(int pt) {
        for (Codec c : VIDEO) {
            if (c.payloadType() == pt && c.apt() < 0) {
                return videoCodecName(c.name());
            }
        }
        return null;
    }

    /** The header extension the bridge knows by this URI, or null. */
    public static Extension extension(String uri) {
        for (Extension e : EXTENSIONS) {
            if (e.uri().equals(uri)) {
                return e;
            }
        }
        return null;
    }

    /** The primary payload type an RTX payload type repairs (its apt), or -1 when it is not RTX. */
    public static int aptOf(int rtxPayloadType) {
        return rtxPayloadType >= 0 && rtxPayloadType < 128 ? APT[rtxPayloadType] : -1;
    }

    /** The RTX payload type whose apt is {@code payloadType}, or -1. */
    public static int rtxPayloadType(int payloadType) {
        return payloadType >= 0 && payloadType < 128 ? RTX[payloadType] : -1;
    }

    /**
     * A new payload-format table for one video track: index = payload type, a fresh {@link VideoCodec}
     * for each video codec offered, null elsewhere. A publisher may change codec mid-stream (RFC 3550
     * allows it), so a track looks its packets' type up here instead of fixing one codec.
     */
    public static VideoCodec[] newVideoPayloadTable() {
        VideoCodec[] table = new VideoCodec[128];
        for (Codec c : VIDEO) {
            if (c.payloadFormat() != null) {
                table[c.payloadType()] = c.payloadFormat().get();
            }
        }
        return table;
    }
}
