package io.junction.bridge.transport.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the one DTLS parsing the bridge does itself ({@link DtlsServerSession.FlightOrder}):
 * datagrams of fuzzed records (any content type, epoch, handshake type and length, truncated tails,
 * raw bytes), filtered in place inside a larger buffer.
 *
 * <p>Invariants: nothing outside the datagram is read or written; the result is the datagram with
 * exactly the epoch-0 ChangeCipherSpec records that came before any CertificateVerify removed, the
 * other bytes in order; once a CertificateVerify has passed, nothing is removed any more.
 */
class FlightOrderFuzzTest {
    @FuzzTest
    void filter(FuzzedDataProvider in) {
        DtlsServerSession.FlightOrder order = new DtlsServerSession.FlightOrder();
        boolean verifySeen = false;
        for (int d = in.consumeInt(1, 4); d > 0 && in.remainingBytes() > 0; d--) {
            ByteArrayOutputStream datagram = new ByteArrayOutputStream();
            boolean raw = in.consumeInt(0, 7) == 0;
            if (raw) {
                byte[] any = in.consumeBytes(in.consumeInt(0, 300));
                datagram.writeBytes(any);
            } else {
                for (int r = in.consumeInt(0, 6); r > 0; r--) {
                    int type = in.pickValue(new int[] {20, 21, 22, 23, in.consumeInt(0, 255)});
                    int epoch = in.consumeBoolean() ? 0 : in.consumeInt(0, 3);
                    byte[] body = in.consumeBytes(in.consumeInt(0, 64));
                    if (type == 22 && body.length > 0 && in.consumeBoolean()) {
                        body[0] = (byte) in.pickValue(new int[] {11, 15, 16, 20});
                    }
                    datagram.writeBytes(record(type, epoch, body));
                }
                if (in.consumeBoolean()) {
                    datagram.writeBytes(in.consumeBytes(in.consumeInt(0, 20))); // a truncated tail
                }
            }
            byte[] plain = datagram.toByteArray();
            byte[] want = reference(plain, verifySeen);
            verifySeen = verifySeen || sawVerify(plain);
            byte[] buf = new byte[plain.length + 40];
            Arrays.fill(buf, (byte) 0x5A);
            System.arraycopy(plain, 0, buf, 17, plain.length);
            int n = order.filter(buf, 17, plain.length);
            assertTrue(n >= 0 && n <= plain.length);
            assertArrayEquals(want, Arrays.copyOfRange(buf, 17, 17 + n), "filtered datagram");
            for (int i = 0; i < 17; i++) {
                assertEquals((byte) 0x5A, buf[i], "wrote before the datagram");
            }
            for (int i = 17 + plain.length; i < buf.length; i++) {
                assertEquals((byte) 0x5A, buf[i], "wrote after the datagram");
            }
        }
    }

    private static byte[] record(int type, int epoch, byte[] body) {
        byte[] r = new byte[13 + body.length];
        r[0] = (byte) type;
        r[1] = (byte) 0xFE;
        r[2] = (byte) 0xFD;
        r[3] = (byte) (epoch >> 8);
        r[4] = (byte) epoch;
        r[11] = (byte) (body.length >> 8);
        r[12] = (byte) body.length;
        System.arraycopy(body, 0, r, 13, body.length);
        return r;
    }

    /** What the filter must leave: a plain second reading of the record layout. */
    private static byte[] reference(byte[] d, boolean verifySeen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at + 13 <= d.length) {
            int length = ((d[at + 11] & 0xFF) << 8) | (d[at + 12] & 0xFF);
            if (at + 13 + length > d.length) {
                break;
            }
            int type = d[at] & 0xFF;
            int epoch = ((d[at + 3] & 0xFF) << 8) | (d[at + 4] & 0xFF);
            if (epoch == 0 && type == 22 && length > 0 && (d[at + 13] & 0xFF) == 15) {
                verifySeen = true;
            }
            if (!(epoch == 0 && type == 20 && !verifySeen)) {
                out.write(d, at, 13 + length);
            }
            at += 13 + length;
        }
        out.write(d, at, d.length - at);
        return out.toByteArray();
    }

    private static boolean sawVerify(byte[] d) {
        int at = 0;
        while (at + 13 <= d.length) {
            int length = ((d[at + 11] & 0xFF) << 8) | (d[at + 12] & 0xFF);
            if (at + 13 + length > d.length) {
                return false;
            }
            if ((d[at] & 0xFF) == 22 && d[at + 3] == 0 && d[at + 4] == 0 && length > 0 && (d[at + 13] & 0xFF) == 15) {
                return true;
            }
            at += 13 + length;
        }
        return false;
    }
}
