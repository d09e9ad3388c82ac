package io.junction.bridge.sdp;

import java.util.List;

/**
 * What the bridge offers: codecs with their payload types, feedback and parameters, and header
 * extensions with fixed ids (BUNDLE requires the same id for a URI on every m-line). Data, not code:
 * the writer only renders it.
 */
public final class CodecCatalog {
    /** One payload type. {@code apt} is the primary payload type for RTX, else -1. */
    public record Codec(int payloadType, String name, int clockRate, int channels, String fmtp, List<String> feedback,
                        int apt) {}

    /** One header extension (RFC 8285) and the media kinds it is offered on. */
    public record Extension(int id, String uri, boolean audio, boolean video) {}

    public static final int EXT_AUDIO_LEVEL = 1;
    public static final int EXT_ABS_SEND_TIME = 2;
    public static final int EXT_TRANSPORT_CC = 3;
    public static final int EXT_MID = 4;
    public static final int EXT_RID = 10;
    public static final int EXT_REPAIRED_RID = 11;

    public static final int PT_OPUS = 111;
    public static final int PT_VP8 = 96;
    public static final int PT_VP8_RTX = 97;
    public static final int PT_H264 = 102;
    public static final int PT_H264_RTX = 103;

    private static final List<String> VIDEO_FB = List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli");

    public static final List<Codec> AUDIO = List.of(
            new Codec(PT_OPUS, "opus", 48000, 2, "minptime=10;useinbandfec=1", List.of("transport-cc"), -1));

    public static final List<Codec> VIDEO = List.of(
            // x-google-start-bitrate: Chromium starts its estimate (and so its encoder resolution) at
            // 1 Mbit/s instead of 300 kbit/s; transport-cc feedback then corrects it either way.
            new Codec(PT_VP8, "VP8", 90000, 0, "x-google-start-bitrate=1000", VIDEO_FB, -1),
            new Codec(PT_VP8_RTX, "rtx", 90000, 0, "apt=" + PT_VP8, List.of(), PT_VP8),
            new Codec(PT_H264, "H264", 90000, 0,
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1000",
                    VIDEO_FB, -1),
            new Codec(PT_H264_RTX, "rtx", 90000, 0, "apt=" + PT_H264, List.of(), PT_H264));

    public static final List<Extension> EXTENSIONS = List.of(
            new Extension(EXT_AUDIO_LEVEL, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", true, false),
            new Extension(EXT_ABS_SEND_TIME, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", true, true),
            new Extension(EXT_TRANSPORT_CC,
                    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", true, true),
            new Extension(EXT_MID, "urn:ietf:params:rtp-hdrext:sdes:mid", true, true),
            new Extension(EXT_RID, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", false, true),
            new Extension(EXT_REPAIRED_RID, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", false, true));

    private CodecCatalog() {}

    /** The primary payload type an RTX payload type repairs (its apt), or -1 when it is not RTX. */
    public static int aptOf(int rtxPayloadType) {
        for (Codec c : VIDEO) {
            if (c.payloadType() == rtxPayloadType) {
                return c.apt();
            }
        }
        return -1;
    }

    /** The RTX payload type whose apt is {@code payloadType}, or -1. */
    public static int rtxPayloadType(int payloadType) {
        for (Codec c : VIDEO) {
            if (c.apt() == payloadType) {
                return c.payloadType();
            }
        }
        return -1;
    }
}
