package io.junction.bridge.transport.ice;

import io.junction.bridge.rtp.ByteIo;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the bridge's public address with STUN Binding requests (RFC 8489) sent from the media
 * interface: for {@code media.public-ip = "auto"} on a VM behind 1:1 NAT, where the public address
 * is not on any interface. One request per server and try (up to three, 500 ms apart), the first
 * XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) that answers wins.
 */
public final class StunDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(StunDiscovery.class);
    private static final int MAGIC_COOKIE = 0x2112A442;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int MAPPED_ADDRESS = 0x0001;
    private static final int XOR_MAPPED_ADDRESS = 0x0020;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The discovered address and the server that told it. */
    public record Result(String address, String server) {}

    private StunDiscovery() {}

    /**
     * @param local   the local address to send from (the media interface)
     * @param servers "host:port" (port 3478 when left out)
     * @return the first answer, or null when no server answered
     */
    public static Result discover(InetAddress local, List<String> servers, int timeoutMs) {
        for (int attempt = 0; attempt < 3; attempt++) {
            for (String server : servers) {
                try {
                    String mapped = ask(local, parse(server), timeoutMs);
                    if (mapped != null) {
                        return new Result(mapped, server);
                    }
                } catch (IOException e) {
                    LOG.debug("STUN {} from {}: {}", server, local, e.toString());
                }
            }
        }
        return null;
    }

    /** "host:port", "[v6]:port", a bare host or IPv6 literal (port 3478). */
    static InetSocketAddress parse(String server) {
        String host = server;
        int port = 3478;
        if (server.startsWith("[")) {
            int close = server.indexOf(']');
            host = server.substring(1, close);
            if (server.length() > close + 2 && server.charAt(close + 1) == ':') {
                port = Integer.parseInt(server.substring(close + 2));
            }
        } else if (server.indexOf(':') > 0 && server.indexOf(':') == server.lastIndexOf(':')) {
            host = server.substring(0, server.indexOf(':'));
            port = Integer.parseInt(server.substring(server.indexOf(':') + 1));
        }
        return new InetSocketAddress(host, port);
    }

    private static String ask(InetAddress local, InetSocketAddress server, int timeoutMs) throws IOException {
        if (server.isUnresolved()) {
            throw new IOException("cannot resolve " + server.getHostString());
        }
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        byte[] req = new byte[20];
        ByteIo.writeU16(req, 0, BINDING_REQUEST);
        ByteIo.writeInt(req, 4, MAGIC_COOKIE);
        System.arraycopy(id, 0, req, 8, 12);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0))) {
            socket.setSoTimeout(timeoutMs);
            socket.send(new DatagramPacket(req, req.length, server));
            byte[] buf = new byte[1500];
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (System.nanoTime() < deadline) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                String mapped = mappedAddress(buf, p.getLength(), id);
                if (mapped != null) {
                    return mapped;
                }
            }
            return null;
        }
    }

    /** The mapped address in a Binding success response to transaction {@code id}, or null. */
    static String mappedAddress(byte[] msg, int len, byte[] id) {
        if (len < 20 || ByteIo.readU16(msg, 0) != BINDING_SUCCESS || ByteIo.readInt(msg, 4) != MAGIC_COOKIE
                || !Arrays.equals(msg, 8, 20, id, 0, 12)) {
            return null;
        }
        int end = Math.min(len, 20 + ByteIo.readU16(msg, 2));
        String plain = null;
        for (int at = 20; at + 4 <= end; ) {
            int type = ByteIo.readU16(msg, at);
            int length = ByteIo.readU16(msg, at + 2);
            int value = at + 4;
            if (value + length > end) {
                return null;
            }
            if ((type == XOR_MAPPED_ADDRESS || type == MAPPED_ADDRESS) && length >= 8) {
                int family = msg[value + 1] & 0xFF;
                int n = family == 1 ? 4 : family == 2 ? 16 : 0;
                if (n == 0 || length < 4 + n) {
                    return null;
                }
                byte[] addr = Arrays.copyOfRange(msg, value + 4, value + 4 + n);
                if (type == XOR_MAPPED_ADDRESS) {
                    for (int i = 0; i < n; i++) {
                        addr[i] ^= i < 4 ? msg[4 + i] : id[i - 4]; // cookie, then transaction id (RFC 8489 §14.2)
                    }
                }
                try {
                    String a = InetAddress.getByAddress(addr).getHostAddress();
                    if (type == XOR_MAPPED_ADDRESS) {
                        return a;
                    }
                    plain = a;
                } catch (IOException e) {
                    return null;
                }
            }
            at = value + ((length + 3) & ~3);
        }
        return plain;
    }
}
