package io.junction.bridge.transport.ice;

import io.junction.bridge.rtp.ByteIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of one ICE-TCP connection: datagrams framed as RFC 4571 (a 16-bit length, then the
 * datagram) and written by a thread of its own, so a slow TCP reader never blocks a packet worker.
 *
 * <p>{@link #offer} copies the datagram into a pooled slot (its first two bytes are the frame length)
 * and queues it; lock-free, no allocation once the pool has grown. The writer thread drains the queue
 * into one direct buffer and writes it with a single blocking {@code write} on the socket's channel
 * (several frames per system call when packets come in bursts). When the reader is slower than the
 * media, the queue fills and {@link #offer} refuses (the caller counts the drop): bounded memory,
 * bounded latency; RTP may use only three quarters of it, so RTCP feedback and DTLS still get through. ice4j's own STUN writes on the same channel (consent checks) are whole frames too;
 * a blocking channel write holds the channel's write lock until done, so frames never interleave.
 */
final class TcpFramedWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TcpFramedWriter.class);
    /** Largest datagram carried; larger ones are refused (the bridge never sends more than an MTU). */
    static final int MAX_DATAGRAM = 1500;
    private static final int SLOT = 2 + MAX_DATAGRAM;

    private final SocketChannel channel;
    private final MpscArrayQueue<byte[]> queue;
    private final MpmcArrayQueue<byte[]> free;
    private final int capacity;
    private final int mediaLimit;
    private final AtomicInteger allocated = new AtomicInteger();
    private final LongAdder dropped;
    private final Thread thread;
    private volatile boolean waiting;
    private volatile boolean closed;
    private volatile IOException failure;

    /**
     * @param capacity datagrams that may wait (at most this many slots are ever allocated)
     * @param dropped  counts datagrams refused because the queue was full or the connection had failed
     */
    TcpFramedWriter(SocketChannel channel, int capacity, String name, LongAdder dropped) {
        this.channel = channel;
        this.capacity = capacity;
        this.mediaLimit = capacity * 3 / 4;
        this.queue = new MpscArrayQueue<>(capacity);
        this.free = new MpmcArrayQueue<>(capacity);
        this.dropped = dropped;
        this.thread = new Thread(this::run, "ice-tcp-write-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues one datagram for sending; false (counted) when the queue is full or the connection failed. */
    boolean offer(byte[] buf, int off, int len) {
        if (closed || failure != null || len > MAX_DATAGRAM || len < 0
                || (isRtp(buf, off, len) && queue.size() >= mediaLimit)) {
            dropped.increment();
            return false;
        }
        byte[] slot = free.poll();
        if (slot == null) {
            if (allocated.incrementAndGet() > capacity) {
                allocated.decrementAndGet();
                dropped.increment();
                return false;
            }
            slot = new byte[SLOT];
        }
        ByteIo.writeU16(slot, 0, len);
        System.arraycopy(buf, off, slot, 2, len);
        if (!queue.offer(slot)) {
            free.offer(slot);
            dropped.increment();
            return false;
        }
        if (waiting) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /**
     * RTP (media, RTX, probes) as opposed to RTCP and DTLS (RFC 7983 first byte 128–191; RFC 5761: a
     * second byte of 192–223 is RTCP). RTP may fill only three quarters of the queue, so the keyframe
     * requests, NACKs and transport-cc feedback that let the client recover are not lost behind media.
     */
    static boolean isRtp(byte[] buf, int off, int len) {
        if (len < 2 || (buf[off] & 0xc0) != 0x80) {
            return false;
        }
        int pt = buf[off + 1] & 0xff;
        return pt < 192 || pt > 223;
    }

    /** The write error that ended this connection, or null. */
    IOException failure() {
        return failure;
    }

    /** Datagrams queued and not yet written. */
    int queued() {
        return queue.size();
    }

    void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        ByteBuffer batch = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (!closed) {
                byte[] slot = queue.poll();
                if (slot == null) {
                    if (batch.position() > 0) {
                        flush(batch);
                        continue;
                    }
                    waiting = true;
                    if (queue.isEmpty() && !closed) {
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    waiting = false;
                    continue;
                }
                int frame = 2 + ByteIo.readU16(slot, 0);
                if (batch.remaining() < frame) {
                    flush(batch);
                }
                batch.put(slot, 0, frame);
                free.offer(slot);
            }
        } catch (IOException e) {
            failure = e;
            if (!closed) {
                LOG.info("ice-tcp {}: connection failed while writing: {}", thread.getName(), e.toString());
            }
            byte[] slot;
            while ((slot = queue.poll()) != null) {
                dropped.increment();
                free.offer(slot);
            }
        }
    }

    private void flush(ByteBuffer batch) throws IOException {
        batch.flip();
        while (batch.hasRemaining()) {
            if (channel.write(batch) == 0) {
                LockSupport.parkNanos(this, 200_000); // a non-blocking channel with a full send buffer
            }
        }
        batch.clear();
    }
}
