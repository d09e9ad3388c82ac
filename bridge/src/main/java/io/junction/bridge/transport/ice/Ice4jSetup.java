package io.junction.bridge.transport.ice;

import kotlin.Unit;
import org.ice4j.ice.harvest.AbstractUdpListener;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferPool;
import org.jctools.queues.MpmcArrayQueue;

/**
 * ice4j is configured through system properties read once when its config classes load, and through
 * static fields: all of it happens here, before the first ice4j object is created.
 */
final class Ice4jSetup {
    private static final int BUFFER_SIZE = 1600;
    /** The receive buffer the media socket asks for (the kernel caps it at net.core.rmem_max). */
    static final int RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
    /**
     * The send buffer the media socket asks for (capped at net.core.wmem_max; set on the socket the
     * data path sends from, {@link MediaSendSocket}). Every receiver's datagrams leave through that one
     * socket, and on a real interface each stays charged to it until the card has sent it: the
     * kernel's 208 KiB default holds about a hundred datagrams, less than one keyframe's fan-out to a
     * large conference.
     */
    static final int SEND_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final MpmcArrayQueue<Buffer> BUFFERS = new MpmcArrayQueue<>(4096);
    private static boolean done;

    private Ice4jSetup() {}

    static synchronized void configure() {
        if (done) {
            return;
        }
        done = true;
        // Never probe cloud metadata services or STUN servers: advertised addresses come from our config.
        // (ice4j's own default for mapping.stun.addresses is already the empty list; a system property
        // cannot express a list, and the empty string made ice4j fail with "STRING rather than LIST".)
        System.setProperty("ice4j.harvest.mapping.aws.enabled", "false");
        System.setProperty("ice4j.harvest.use-dynamic-ports", "false");
        System.setProperty("ice4j.software", "");
        // One socket carries every endpoint: a burst (a key frame, a bandwidth probe) must not overflow it
        // while the listener thread is busy. The kernel caps this at net.core.rmem_max (raise it on servers).
        System.setProperty("ice4j.harvest.udp.receive-buffer-size", String.valueOf(RECEIVE_BUFFER_BYTES));
        // ice4j reads these through Typesafe Config, which caches the system properties the first time
        // any config is loaded (our own configuration loader already did): without this the settings
        // above were silently ignored, and the media socket kept the kernel's 208 KiB default buffer.
        com.typesafe.config.ConfigFactory.invalidateCaches();
        AbstractUdpListener.USE_PUSH_API = true;
        // ice4j copies every datagram into a buffer it takes from this pool; we copy it on into our
        // own packet and give it straight back, so a small pool of fixed-size buffers suffices.
        BufferPool.getBuffer = size -> {
            Buffer b = size <= BUFFER_SIZE ? BUFFERS.poll() : null;
            if (b == null) {
                b = new Buffer(new byte[Math.max(size, BUFFER_SIZE)], 0, 0);
            }
            b.setOffset(0);
            b.setLength(size);
            return b;
        };
        BufferPool.returnBuffer = b -> {
            if (b.getBuffer().length == BUFFER_SIZE) {
                BUFFERS.offer(b);
            }
            return Unit.INSTANCE;
        };
    }
}
