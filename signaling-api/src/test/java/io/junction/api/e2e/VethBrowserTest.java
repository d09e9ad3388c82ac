package io.junction.api.e2e;

import io.junction.api.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A browser test with a second host: a child namespace joined by a veth pair ({@link VethNamespace}).
 * The bridge listens everywhere, advertises the veth address besides 127.0.0.1, and lets anyone into
 * open rooms (clients on the other side do not come from loopback).
 */
abstract class VethBrowserTest extends BrowserTest {
    protected VethNamespace veth;

    @Override
    @BeforeEach
    void startBridge() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        veth = new VethNamespace();
        t = TestServer.start("junction.http.host = \"0.0.0.0\"\njunction.demo.open-rooms = true\n"
                + "junction.media { bind-address = \"0.0.0.0\", addresses = [\"127.0.0.1\", \""
                + VethNamespace.PARENT_ADDRESS + "\"] }\n");
    }

    @Override
    @AfterEach
    void stopAll() {
        super.stopAll();
        if (veth != null) {
            veth.close();
        }
    }
}
