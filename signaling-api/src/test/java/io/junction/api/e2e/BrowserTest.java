package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import io.junction.api.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A bridge on loopback plus the browsers a test opens; prints each browser's state when it ends. */
abstract class BrowserTest {
    protected TestServer t;
    protected final List<Participant> participants = new ArrayList<>();

    @BeforeEach
    void startBridge() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        t = TestServer.start();
    }

    @AfterEach
    void stopAll() {
        for (Participant p : participants) {
            try {
                System.out.println("[" + p.name + "] state=" + p.browser.js("return JSON.stringify(window.junctionState)")
                        + " errors=" + p.browser.js("return JSON.stringify(window.junctionRoom && window.junctionRoom.errors)")
                        + " pc=" + p.browser.js("return window.junctionRoom && window.junctionRoom.pc.connectionState")
                        + " sending: " + p.sendingSummary());
            } catch (RuntimeException e) {
                System.out.println("[" + p.name + "] state unavailable: " + e.getMessage());
            }
        }
        participants.forEach(Participant::close);
        t.close();
    }

    /** Opens the demo page for {@code name} in {@code room} with autojoin. */
    protected Participant join(String name, String room) throws Exception {
        Participant p = new Participant(name);
        participants.add(p);
        p.join(t.publicUrl(""), room);
        return p;
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("timed out after " + timeoutMs + " ms waiting for: " + what);
    }
}
