package io.junction.bridge.transport.ice;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One forwarded packet's fan-out to 8 receivers (8 datagrams of 1200 bytes to 8 loopback sockets),
 * per datagram, three ways: {@code datagramSocket} as ice4j sends (a new {@code DatagramPacket} per
 * datagram, {@code DatagramSocket.send}: the JDK's channel lock and a copy into a direct buffer),
 * {@code sendto} (one native call per datagram on a duplicate of the socket) and {@code sendmmsg}
 * (the eight copied into a batch and sent in one call). The receivers are not read: the kernel
 * drops at their full queues, the same for every variant. Run with {@code -t 2} for two senders
 * on one socket, as two packet workers do.
 * {@code mvn -pl bridge -Pbench test-compile exec:exec -Dbench=UdpSendBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UdpSendBenchmark {
    private static final int FAN_OUT = 8;

    @Param({"datagramSocket", "sendto", "sendmmsg"})
    public String path;

    private DatagramSocket media;
    private final DatagramSocket[] receivers = new DatagramSocket[FAN_OUT];
    private final InetSocketAddress[] addresses = new InetSocketAddress[FAN_OUT];
    private MediaSendSocket send;
    private byte[] dests;

    @State(Scope.Thread)
    public static class Sender {
        final byte[] packet = new byte[1200];
        final byte[] batch = new byte[FAN_OUT * 1500];
        final int[] offs = new int[FAN_OUT];
        final int[] lens = new int[FAN_OUT];
        final int[] destOffs = new int[FAN_OUT];
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        media = new DatagramSocket(new InetSocketAddress(lo, 0));
        dests = new byte[FAN_OUT * NativeUdp.DEST];
        send = MediaSendSocket.open((InetSocketAddress) media.getLocalSocketAddress());
        for (int i = 0; i < FAN_OUT; i++) {
            receivers[i] = new DatagramSocket(new InetSocketAddress(lo, 0));
            receivers[i].setReceiveBufferSize(64 * 1024);
            addresses[i] = (InetSocketAddress) receivers[i].getLocalSocketAddress();
            send.writeDestination(addresses[i], dests, i * NativeUdp.DEST);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        send.close();
        media.close();
        for (DatagramSocket r : receivers) {
            r.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(FAN_OUT)
    public int fanOut(Sender s) throws Exception {
        switch (path) {
            case "datagramSocket": {
                for (int i = 0; i < FAN_OUT; i++) {
                    DatagramPacket p = new DatagramPacket(s.packet, 0, s.packet.length);
                    p.setSocketAddress(addresses[i]);
                    media.send(p);
                }
                return FAN_OUT;
            }
            case "sendto": {
                int n = 0;
                for (int i = 0; i < FAN_OUT; i++) {
                    n += send.send(s.packet, 0, s.packet.length, dests, i * NativeUdp.DEST) > 0 ? 1 : 0;
                }
                return n;
            }
            default: {
                for (int i = 0; i < FAN_OUT; i++) {
                    System.arraycopy(s.packet, 0, s.batch, i * 1500, s.packet.length);
                    s.offs[i] = i * 1500;
                    s.lens[i] = s.packet.length;
                    s.destOffs[i] = i * NativeUdp.DEST;
                }
                return NativeUdpTest.sendEach(send, s.batch, s.offs, s.lens, dests, s.destOffs, 0, FAN_OUT);
            }
        }
    }
}
