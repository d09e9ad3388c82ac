package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.MediaCounters;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** media.public-ip = "auto": the STUN Binding client against RFC 5769's sample responses and a STUN server on loopback. */
class StunDiscoveryTest {
    private static final byte[] RFC5769_TRANSACTION = HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae");

    @Test
    void readsTheMappedAddressOfRfc5769SampleResponses() {
        byte[] ipv4 = HexFormat.of().parseHex("0101003c2112a442b7e7a701bc34d686fa87dfae"
                + "8022000b7465737420766563746f7220" + "002000080001a147e112a643"
                + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" + "80280004c07d4c96");
        assertEquals("192.0.2.1", StunDiscovery.mappedAddress(ipv4, ipv4.length, RFC5769_TRANSACTION));
        byte[] ipv6 = HexFormat.of().parseHex("010100282112a442b7e7a701bc34d686fa87dfae"
                + "8022000b7465737420766563746f7220" + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9");
        assertEquals("2001:db8:1234:5678:11:2233:4455:6677", StunDiscovery.mappedAddress(ipv6, ipv6.length, RFC5769_TRANSACTION));
        byte[] other = RFC5769_TRANSACTION.clone();
        other[0] ^= 1;
        assertNull(StunDiscovery.mappedAddress(ipv4, ipv4.length, other), "another transaction's answer");
        for (int cut = 0; cut < ipv4.length; cut++) {
            String r = StunDiscovery.mappedAddress(ipv4, cut, RFC5769_TRANSACTION); // truncated: never reads past
            assertTrue(r == null || r.equals("192.0.2.1"));
        }
        assertEquals(3478, StunDiscovery.parse("stun.example.org").getPort());
        assertEquals(19302, StunDiscovery.parse("stun.l.google.com:19302").getPort());
        assertEquals(3478, StunDiscovery.parse("::1").getPort());
        assertEquals(5349, StunDiscovery.parse("[::1]:5349").getPort());
    }

    /** A STUN server on loopback that maps every request to {@code mapped} (a NAT's public address). */
    private static Thread stunServer(DatagramSocket socket, String mapped) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1500];
            try {
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    byte[] addr = InetAddress.getByName(mapped).getAddress();
                    byte[] resp = new byte[32];
                    ByteIo.writeU16(resp, 0, 0x0101);
                    ByteIo.writeU16(resp, 2, 12);
                    System.arraycopy(buf, 4, resp, 4, 16); // cookie and transaction id
                    ByteIo.writeU16(resp, 20, 0x0020);
                    ByteIo.writeU16(resp, 22, 8);
                    resp[25] = 1;
                    ByteIo.writeU16(resp, 26, p.getPort() ^ 0x2112);
                    for (int i = 0; i < 4; i++) {
                        resp[28 + i] = (byte) (addr[i] ^ resp[4 + i]);
                    }
                    socket.send(new DatagramPacket(resp, resp.length, p.getSocketAddress()));
                }
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void autoAdvertisesWhatStunSaysAndSaysWhenNobodyAnswers() throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            stunServer(server, "198.18.5.5");
            BridgeConfig base = BridgeConfig.loopbackDefaults(0);
            BridgeConfig auto = new BridgeConfig(0, 0, "127.0.0.1", List.of("127.0.0.1"), "auto",
                    List.of("127.0.0.1:" + silent.getLocalPort(), "127.0.0.1:" + server.getLocalPort()), List.of(),
                    base.iceConsentTimeout(), base.iceConnectTimeout(), base.dtlsHandshakeTimeout(), base.srtpCrypto(),
                    base.maxConferences(), base.maxEndpointsPerConference(), base.emptyConferenceTimeout(),
                    base.packetWorkers(), base.maxPublisherBitrateBps(), base.forwarding());
            try (MediaPort port = new MediaPort(auto, new MediaCounters())) {
                List<LocalCandidateInfo> c = port.candidates();
                assertEquals(2, c.size(), c.toString());
                assertEquals("host", c.get(0).type());
                assertEquals("198.18.5.5", c.get(1).address());
                assertEquals("srflx", c.get(1).type());
                assertEquals(port.port(), c.get(1).port());
                assertEquals("public address from STUN 127.0.0.1:" + server.getLocalPort(), port.publicAddressSource());
            }
            BridgeConfig nobody = new BridgeConfig(0, 0, "127.0.0.1", List.of("127.0.0.1"), "auto",
                    List.of("127.0.0.1:" + silent.getLocalPort()), List.of(),
                    base.iceConsentTimeout(), base.iceConnectTimeout(), base.dtlsHandshakeTimeout(), base.srtpCrypto(),
                    base.maxConferences(), base.maxEndpointsPerConference(), base.emptyConferenceTimeout(),
                    base.packetWorkers(), base.maxPublisherBitrateBps(), base.forwarding());
            try (MediaPort port = new MediaPort(nobody, new MediaCounters())) {
                assertEquals(1, port.candidates().size(), "local addresses only");
                assertTrue(port.publicAddressSource().startsWith("public-ip = auto: no STUN server answered"),
                        port.publicAddressSource());
            }
        }
    }
}
