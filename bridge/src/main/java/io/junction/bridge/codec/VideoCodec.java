package io.junction.bridge.codec;

/**
 * The codec seam: everything the bridge knows about one video codec's RTP payload format. A codec
 * reads the payload descriptor of each packet into a {@link FrameInfo} and rewrites the numbering
 * fields it owns in a receiver's copy; the forwarding logic above it is codec-neutral.
 *
 * <p>One instance per published track and payload type, created from the {@link CodecCatalog} when
 * the track is created and used only on the publisher's packet worker: an implementation may keep the
 * positions it found in the last inspected packet for {@link #rewrite}. No allocation per packet.
 *
 * <p>Adding a codec: one class implementing this, one {@link CodecCatalog} entry naming its factory,
 * and their tests.
 */
public interface VideoCodec {
    /** The encoding name as in SDP (rtpmap). */
    String name();

    /**
     * Reads the payload {@code buf[off, off+len)} of a packet into {@code info} (reset first).
     * Returns {@code info.valid}.
     */
    boolean inspect(byte[] buf, int off, int len, FrameInfo info);

    /**
     * Writes a receiver's picture id and TL0PICIDX (each {@link FrameInfo#NONE}: leave as is) into a copy
     * of the last inspected packet placed {@code shift} bytes from the original in {@code buf}.
     */
    void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx);
}
