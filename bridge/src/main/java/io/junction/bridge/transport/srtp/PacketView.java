package io.junction.bridge.transport.srtp;

import org.jitsi.utils.ByteArrayBuffer;

/**
 * jitsi-srtp's buffer interface over a caller's array, reused for every packet (no allocation). The
 * caller guarantees tail room: SRTP appends its tag in place ({@link #grow} never reallocates).
 */
final class PacketView implements ByteArrayBuffer {
    private byte[] buf;
    private int off;
    private int len;

    PacketView set(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        return this;
    }

    @Override
    public byte[] getBuffer() {
        return buf;
    }

    @Override
    public int getOffset() {
        return off;
    }

    @Override
    public int getLength() {
        return len;
    }

    @Override
    public void setLength(int length) {
        this.len = length;
    }

    @Override
    public void setOffset(int offset) {
        this.off = offset;
    }

    @Override
    public boolean isInvalid() {
        return false;
    }

    @Override
    public void readRegionToBuff(int regionOff, int regionLen, byte[] out) {
        System.arraycopy(buf, off + regionOff, out, 0, regionLen);
    }

    @Override
    public void grow(int howMuch) {
        if (buf.length - off - len < howMuch) {
            throw new IllegalStateException("packet buffer lacks " + howMuch + " bytes of tail room");
        }
    }

    @Override
    public void append(byte[] data, int length) {
        grow(length);
        System.arraycopy(data, 0, buf, off + len, length);
        len += length;
    }

    @Override
    public void shrink(int howMuch) {
        len = Math.max(0, len - howMuch);
    }
}
