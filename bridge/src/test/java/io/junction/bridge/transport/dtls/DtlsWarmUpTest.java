package io.junction.bridge.transport.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class DtlsWarmUpTest {
    /** The warm-up's handshakes complete through the bridge's real server session (not a stub of it). */
    @Test
    void handshakesComplete() {
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            assertEquals(3, DtlsWarmUp.run(DtlsCertificate.generate(), executor, 3));
        } finally {
            executor.shutdownNow();
        }
    }
}
