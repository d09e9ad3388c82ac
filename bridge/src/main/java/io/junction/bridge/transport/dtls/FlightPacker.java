package io.junction.bridge.transport.dtls;

import java.io.IOException;

/**
 * Packs the records of one DTLS handshake flight into as few datagrams as fit ({@code limit} bytes
 * each), as browsers do. BouncyCastle writes each handshake message, and the ChangeCipherSpec, as a
 * datagram of its own: the bridge's ServerHello flight went out as five datagrams and its last flight
 * as two. Every extra datagram is one more chance for the flight to be lost, and a Finished that
 * overtakes its ChangeCipherSpec is dropped by the receiver (Chromium and BouncyCastle both do), who
 * then waits for a retransmission that doubles from 1 s.
 *
 * <p>Records are added as BouncyCastle sends them and go out when the next one would not fit, or at
 * {@link #flush}: the owner flushes when BouncyCastle turns to reading (the flight is complete) and
 * sends directly once the handshake is over. One thread (the handshake's) uses a packer.
 */
public final class FlightPacker {
    /** Where packed datagrams go. */
    @FunctionalInterface
    public interface Out {
        void send(byte[] buf, int off, int len) throws IOException;
    }

    private final byte[] pending;
    private final Out out;
    private int length;

    public FlightPacker(int limit, Out out) {
        this.pending = new byte[limit];
        this.out = out;
    }

    /** Adds one record (or a datagram BouncyCastle built); sends what is pending first when it would not fit. */
    public void add(byte[] buf, int off, int len) throws IOException {
        if (len > pending.length) {
            flush();
            out.send(buf, off, len);
            return;
        }
        if (length + len > pending.length) {
            flush();
        }
        System.arraycopy(buf, off, pending, length, len);
        length += len;
    }

    /** Sends what is pending as one datagram. */
    public void flush() throws IOException {
        if (length > 0) {
            int n = length;
            length = 0;
            out.send(pending, 0, n);
        }
    }
}
