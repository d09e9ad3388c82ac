package io.junction.loadtest;

import io.junction.api.JunctionServer;
import io.junction.api.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A bridge in the test's JVM for the load tool's tests: HTTP and admin on 127.0.0.1, ports the system picks. */
final class TestBridge {
    /** The media port on loopback IPv4, as most tests want it. */
    static final String LOOPBACK_MEDIA =
            "junction.media { port = 0, tcp-port = 0, bind-address = \"127.0.0.1\", addresses = [\"127.0.0.1\"] }\n";

    private TestBridge() {
    }

    /** Starts a bridge with {@code config} (HOCON) added to the HTTP and admin lines. */
    static JunctionServer start(String config) throws Exception {
        Path file = Files.createTempFile("junction-test", ".conf");
        JunctionServer server;
        try {
            Files.writeString(file, """
                    junction.http { host = "127.0.0.1", port = 0 }
                    junction.admin { host = "127.0.0.1", port = 0 }
                    """ + config);
            server = new JunctionServer(ConfigLoader.load(file, Map.of()));
        } finally {
            Files.deleteIfExists(file);
        }
        server.start();
        return server;
    }
}
