package io.junction.loadtest;

import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.RtpPacket;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Synthetic media for every publisher, from one thread: Opus-sized audio (20 ms, 50 packets/s) and
 * VP8 video at a configured bitrate and frame rate, split into packets of at most 1100 payload bytes
 * with a valid VP8 payload descriptor (RFC 7741: picture id, start-of-partition bit, and in the first
 * packet a VP8 frame header whose P bit marks keyframes), or VP9 with a valid payload descriptor
 * (RFC 9628, flexible mode, one spatial and temporal layer, the scalability structure with the size in
 * keyframes) for clients that chose VP9, or AV1 (one OBU element per packet, N bit on a keyframe's
 * first packet) with a dependency descriptor (L1T1: its template structure on each keyframe's first
 * packet, the frame number on every packet) for clients that chose AV1. A keyframe (three times a delta frame) every
 * 3 s and after each PLI/FIR. Every packet carries its send time (System.nanoTime) in the payload,
 * and a per-stream packet counter, so that receivers see end-to-end loss even where the bridge rewrites
 * sequence numbers; and the transport-cc and mid header extensions a browser sends. Publishers start at random phases
 * so frames of different publishers do not all leave in the same millisecond.
 */
final class MediaGenerator implements Runnable {
    static final int MAX_PAYLOAD = 1100;
    static final int VP8_DESCRIPTOR = 4;
    static final int VP8_HEADER = 10;
    /** VP9 descriptor: flags, 15-bit picture id, layer indices (one reference difference follows in delta frames). */
    static final int VP9_DESCRIPTOR = 4;
    /** VP9 scalability structure of a keyframe's first packet: one layer with its size. */
    static final int VP9_SS = 5;
    /** Send time (8 bytes, System.nanoTime) and the stream's packet counter (4 bytes). */
    static final int STAMP = 12;
    static final long KEYFRAME_INTERVAL_NS = 3_000_000_000L;
    private static final long AUDIO_INTERVAL_NS = 20_000_000L;
    private static final int AUDIO_PAYLOAD = 80;

    private final List<SyntheticClient> clients;
    private final Source[] sources;
    private final long frameIntervalNs;
    private final int frameBytes;
    private volatile boolean running = true;

    /** Per publisher state, generator thread only. */
    private static final class Source {
        long nextMalformedNs;
        final SyntheticClient client;
        final byte[] audioMid;
        final byte[] videoMid;
        /** Packets sent per stream, carried in the payload so receivers see loss whatever the bridge rewrites. */
        int audioCount;
        int videoCount;
        int audioSeq = ThreadLocalRandom.current().nextInt(1 << 16);
        int videoSeq = ThreadLocalRandom.current().nextInt(1 << 16);
        int audioTs = ThreadLocalRandom.current().nextInt();
        int videoTs = ThreadLocalRandom.current().nextInt();
        int transportSeq;
        int pictureId = ThreadLocalRandom.current().nextInt(1 << 15);
        /** The AV1 dependency descriptor's frame number. */
        int frameNumber = ThreadLocalRandom.current().nextInt(1 << 16);
        long nextAudioNs;
        long nextVideoNs;
        long lastKeyframeNs = Long.MIN_VALUE / 2;

        Source(SyntheticClient client, long startNs, long frameIntervalNs) {
            this.client = client;
            this.audioMid = client.publishMid(false).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            this.videoMid = client.publishMid(true).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            ThreadLocalRandom r = ThreadLocalRandom.current();
            this.nextAudioNs = startNs + r.nextLong(AUDIO_INTERVAL_NS);
            this.nextVideoNs = startNs + r.nextLong(frameIntervalNs);
        }
    }

    /** Garbage packets per publisher per second (0: none), and when each publisher sends its next. */
    private final long malformedIntervalNs;
    private final java.util.Random random = new java.util.Random(42);

    MediaGenerator(List<SyntheticClient> clients, long videoBitrateBps, int fps, double malformedPerSecond) {
        this.clients = clients;
        this.malformedIntervalNs = malformedPerSecond > 0 ? (long) (1e9 / malformedPerSecond) : 0;
        this.frameIntervalNs = 1_000_000_000L / fps;
        this.frameBytes = (int) Math.max(200, videoBitrateBps / 8 / fps);
        long now = System.nanoTime();
        this.sources = clients.stream().filter(c -> c.publishes).map(c -> new Source(c, now, frameIntervalNs))
                .toArray(Source[]::new);
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        long nextFeedbackNs = 0;
        while (running) {
            long now = System.nanoTime();
            for (Source s : sources) {
                if (now >= s.nextAudioNs) {
                    sendAudio(s, now);
                    s.nextAudioNs += AUDIO_INTERVAL_NS;
                }
                if (now >= s.nextVideoNs) {
                    sendVideoFrame(s, now);
                    s.nextVideoNs += frameIntervalNs;
                }
                if (malformedIntervalNs > 0 && now >= s.nextMalformedNs) {
                    s.nextMalformedNs = now + malformedIntervalNs;
                    if (s.client.isMediaReady()) {
                        s.client.sendMalformed(random);
                    }
                }
            }
            if (now >= nextFeedbackNs) {
                nextFeedbackNs = now + 10_000_000L;
                for (SyntheticClient c : clients) {
                    if (c.isMediaReady()) {
                        c.sendFeedback(now);
                    }
                }
            }
            LockSupport.parkNanos(500_000L);
        }
    }

    private void sendAudio(Source s, long now) {
        if (!s.client.isMediaReady()) {
            return;
        }
        byte[] b = s.client.rtpBuffer();
        int off = header(b, s, SdpAnswer.PT_OPUS, s.audioSeq, s.audioTs, s.client.ssrcs.audio(), false, s.audioMid, null, 0);
        ByteIo.writeInt(b, off, (int) (now >>> 32));
        ByteIo.writeInt(b, off + 4, (int) now);
        ByteIo.writeInt(b, off + 8, s.audioCount++);
        for (int i = STAMP; i < AUDIO_PAYLOAD; i++) {
            b[off + i] = (byte) i;
        }
        s.client.sendRtp(off + AUDIO_PAYLOAD);
        s.audioSeq = (s.audioSeq + 1) & 0xFFFF;
        s.audioTs += 960;
    }

    private void sendVideoFrame(Source s, long now) {
        if (!s.client.isMediaReady()) {
            return;
        }
        boolean key = now - s.lastKeyframeNs >= KEYFRAME_INTERVAL_NS
                || (s.client.takeKeyframeRequest() && now - s.lastKeyframeNs >= 300_000_000L);
        if (key) {
            s.lastKeyframeNs = now;
        }
        int bytes = key ? frameBytes * 3 : frameBytes;
        int packets = (bytes + MAX_PAYLOAD - 1) / MAX_PAYLOAD;
        int perPacket = Math.max(VP8_DESCRIPTOR + VP8_HEADER + STAMP, bytes / packets);
        byte[] b = s.client.rtpBuffer();
        boolean vp9 = s.client.vp9;
        boolean av1 = s.client.av1;
        for (int p = 0; p < packets; p++) {
            boolean first = p == 0;
            boolean last = p == packets - 1;
            int start = header(b, s, vp9 ? SdpAnswer.PT_VP9 : av1 ? SdpAnswer.PT_AV1 : SdpAnswer.PT_VP8, s.videoSeq,
                    s.videoTs, s.client.ssrcs.video(), last, s.videoMid, dd, av1 ? dependencyDescriptor(dd, s.frameNumber, key, first, last) : 0);
            int off = start;
            if (av1) {
                // aggregation header: Z when continuing the frame's OBU, Y when it goes on, W=1, N on a keyframe
                b[off++] = (byte) ((first ? 0 : 0x80) | (last ? 0 : 0x40) | 0x10 | (key && first ? 0x08 : 0));
                if (first) {
                    b[off++] = (byte) (0x30); // OBU header: OBU_FRAME, no extension, no size field
                }
                stampAndFill(b, off, start + perPacket, now, s.videoCount++);
                s.client.sendRtp(start + perPacket);
                s.videoSeq = (s.videoSeq + 1) & 0xFFFF;
                continue;
            }
            if (vp9) {
                off = vp9Descriptor(b, off, s.pictureId, key, first, last);
                stampAndFill(b, off, start + perPacket, now, s.videoCount++);
                s.client.sendRtp(start + perPacket);
                s.videoSeq = (s.videoSeq + 1) & 0xFFFF;
                continue;
            }
            // VP8 payload descriptor: X=1, S on the first packet, PID 0; I=1; 15-bit picture id (M=1).
            b[off++] = (byte) (first ? 0x90 : 0x80);
            b[off++] = (byte) 0x80;
            b[off++] = (byte) (0x80 | (s.pictureId >>> 8));
            b[off++] = (byte) s.pictureId;
            if (first) {
                // VP8 frame tag (P bit 0 = keyframe, show_frame), then start code and 640x360 for keyframes.
                int size = bytes;
                b[off++] = (byte) ((key ? 0x00 : 0x01) | 0x10 | ((size & 0x7) << 5));
                b[off++] = (byte) (size >>> 3);
                b[off++] = (byte) (size >>> 11);
                b[off++] = (byte) 0x9d;
                b[off++] = (byte) 0x01;
                b[off++] = (byte) 0x2a;
                b[off++] = (byte) 0x80;
                b[off++] = (byte) 0x02;
                b[off++] = (byte) 0x68;
                b[off++] = (byte) 0x01;
            }
            ByteIo.writeInt(b, off, (int) (now >>> 32));
            ByteIo.writeInt(b, off + 4, (int) now);
            ByteIo.writeInt(b, off + 8, s.videoCount++);
            off += STAMP;
            int end = start + perPacket;
            while (off < end) {
                b[off] = (byte) off;
                off++;
            }
            s.client.sendRtp(end);
            s.videoSeq = (s.videoSeq + 1) & 0xFFFF;
        }
        s.pictureId = (s.pictureId + 1) & 0x7FFF;
        s.frameNumber = (s.frameNumber + 1) & 0xFFFF;
        s.videoTs += 90_000 / (int) (1_000_000_000L / frameIntervalNs);
    }

    /**
     * A VP9 payload descriptor (RFC 9628) at {@code off}: I, L, F set, P in delta frames, B/E on the
     * frame's first/last packet, V with a one-layer 640x360 scalability structure on a keyframe's
     * first packet; 15-bit picture id; TID 0, SID 0; a delta frame refers to the previous picture.
     * Returns the offset after it.
     */
    private static int vp9Descriptor(byte[] b, int off, int pictureId, boolean key, boolean first, boolean last) {
        boolean ss = key && first;
        b[off++] = (byte) (0x80 | (key ? 0 : 0x40) | 0x20 | 0x10 | (first ? 0x08 : 0) | (last ? 0x04 : 0) | (ss ? 0x02 : 0));
        b[off++] = (byte) (0x80 | (pictureId >>> 8));
        b[off++] = (byte) pictureId;
        b[off++] = 0; // TID 0, U 0, SID 0, D 0
        if (!key) {
            b[off++] = 0x02; // P_DIFF 1, no more
        }
        if (ss) {
            b[off++] = 0x10; // N_S 0 (one layer), Y: sizes follow
            b[off++] = 0x02;
            b[off++] = (byte) 0x80; // 640
            b[off++] = 0x01;
            b[off++] = 0x68; // 360
        }
        return off;
    }

    /** The send time and packet counter at {@code off}, then filler bytes up to {@code end}. */
    private static void stampAndFill(byte[] b, int off, int end, long now, int counter) {
        ByteIo.writeInt(b, off, (int) (now >>> 32));
        ByteIo.writeInt(b, off + 4, (int) now);
        ByteIo.writeInt(b, off + 8, counter);
        for (int i = off + STAMP; i < end; i++) {
            b[i] = (byte) i;
        }
    }

    /**
     * The dependency descriptor of one AV1 packet (AV1 RTP specification, appendix A) into {@code d};
     * returns its length. Mandatory fields: first/last packet of the frame, template 0,
     * the frame number. A keyframe's first packet adds an L1T1 structure (one template, one decode
     * target, "switch", a frame difference of 1; no chains, no resolutions) and an empty custom frame
     * difference list (a keyframe depends on nothing).
     */
    static int dependencyDescriptor(byte[] d, int frameNumber, boolean key, boolean first, boolean last) {
        d[0] = (byte) ((first ? 0x80 : 0) | (last ? 0x40 : 0)); // template id 0
        d[1] = (byte) (frameNumber >>> 8);
        d[2] = (byte) frameNumber;
        if (!(key && first)) {
            return 3;
        }
        // 1 structure, 0 active targets, 0 custom dtis, 1 custom fdiffs, 0 custom chains |
        // offset 000000 | dt_cnt-1 00000 | layers: 11 (no more) | dti 10 | fdiff 1 0000 0 | chains ns(2): 0 |
        // no resolutions 0 | custom fdiffs: 00 (none)
        long bits = 0;
        int n = 0;
        int[][] fields = {{1, 1}, {0, 1}, {0, 1}, {1, 1}, {0, 1}, {0, 6}, {0, 5}, {3, 2}, {2, 2}, {1, 1}, {0, 4}, {0, 1},
                {0, 1}, {0, 1}, {0, 2}};
        for (int[] f : fields) {
            bits = (bits << f[1]) | f[0];
            n += f[1];
        }
        bits <<= 32 - n; // 30 bits, left-aligned in 32
        ByteIo.writeInt(d, 3, (int) bits);
        return 7;
    }

    /** The dependency descriptor being sent (generator thread only). */
    private final byte[] dd = new byte[16];

    /**
     * RTP header with a one-byte-header extension block (transport-cc, mid, and the first
     * {@code ddLength} bytes of {@code dd} as the dependency descriptor); returns the payload offset.
     */
    private static int header(byte[] b, Source s, int pt, int seq, int ts, int ssrc, boolean marker, byte[] mid,
                              byte[] dd, int ddLength) {
        b[0] = (byte) 0x90;
        b[1] = (byte) ((marker ? 0x80 : 0) | pt);
        ByteIo.writeU16(b, 2, seq);
        ByteIo.writeInt(b, 4, ts);
        ByteIo.writeInt(b, 8, ssrc);
        b[12] = (byte) 0xBE;
        b[13] = (byte) 0xDE;
        int at = 16;
        b[at++] = (byte) ((SdpAnswer.EXT_TRANSPORT_CC << 4) | 1);
        ByteIo.writeU16(b, at, s.transportSeq);
        s.transportSeq = (s.transportSeq + 1) & 0xFFFF;
        at += 2;
        b[at++] = (byte) ((SdpAnswer.EXT_MID << 4) | (mid.length - 1));
        System.arraycopy(mid, 0, b, at, mid.length);
        at += mid.length;
        if (ddLength > 0) {
            b[at++] = (byte) ((SdpAnswer.EXT_DEPENDENCY_DESCRIPTOR << 4) | (ddLength - 1));
            System.arraycopy(dd, 0, b, at, ddLength);
            at += ddLength;
        }
        while (((at - 16) & 3) != 0) {
            b[at++] = 0;
        }
        ByteIo.writeU16(b, 14, (at - 16) / 4);
        return at;
    }

    /**
     * Where a generated packet carries its send time and packet counter (see {@link #STAMP}), or -1
     * when the packet is not one of ours.
     */
    static int stampOffset(RtpPacket rtp) {
        byte[] b = rtp.buffer();
        int p = rtp.payloadOffset();
        int len = rtp.payloadLength();
        int at;
        if (rtp.payloadType() == SdpAnswer.PT_OPUS) {
            at = p;
        } else if (rtp.payloadType() == SdpAnswer.PT_VP8 && len > VP8_DESCRIPTOR) {
            at = p + VP8_DESCRIPTOR + ((b[p] & 0x10) != 0 ? VP8_HEADER : 0);
        } else if (rtp.payloadType() == SdpAnswer.PT_AV1 && len > 2) {
            at = p + 1 + ((b[p] & 0x80) == 0 ? 1 : 0); // aggregation header, the OBU header in a frame's first packet
        } else if (rtp.payloadType() == SdpAnswer.PT_VP9 && len > VP9_DESCRIPTOR) {
            // the descriptor vp9Descriptor writes: a reference difference when P, a structure when V
            at = p + VP9_DESCRIPTOR + ((b[p] & 0x40) != 0 ? 1 : 0) + ((b[p] & 0x02) != 0 ? VP9_SS : 0);
        } else {
            return -1;
        }
        return at + STAMP > p + len ? -1 : at;
    }

    static long sendTime(byte[] b, int stampOffset) {
        return ((long) ByteIo.readInt(b, stampOffset) << 32) | (ByteIo.readInt(b, stampOffset + 4) & 0xFFFFFFFFL);
    }

    static int counter(byte[] b, int stampOffset) {
        return ByteIo.readInt(b, stampOffset + 8);
    }
}
