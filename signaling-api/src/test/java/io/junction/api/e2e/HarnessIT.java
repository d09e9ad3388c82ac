package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import org.junit.jupiter.api.Test;

/** The browser harness itself: namespace, Chromium, chromedriver, the demo page served by the bridge. */
class HarnessIT {
    @Test
    void chromiumLoadsTheDemoPageInsideTheNamespace() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Browser b = new Browser("harness")) {
            b.open(t.publicUrl("/health"));
            assertTrue(b.driver().getPageSource().contains("\"status\":\"ok\""), b.driver().getPageSource());
            Object ua = b.js("return navigator.userAgent");
            assertTrue(String.valueOf(ua).contains("Chrome/"), String.valueOf(ua));
            Object hasPc = b.js("return typeof RTCPeerConnection");
            assertEquals("function", hasPc);
        }
    }
}
