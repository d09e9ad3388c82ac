package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.junction.api.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Open rooms default to clients on the bridge's own machine. A client address that is not loopback
 * is needed to prove it: the veth pair of a child namespace gives this namespace 198.18.0.1, and a
 * request to that address comes from it.
 */
class OpenRoomsIT {
    private VethNamespace veth;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        veth = new VethNamespace();
    }

    @AfterEach
    void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    private HttpResponse<String> join(String host, int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/rooms/demo/join"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void openRoomsServeOnlyThisMachineUnlessTurnedOn() throws Exception {
        String listenEverywhere = "junction.http.host = \"0.0.0.0\"\n";
        try (TestServer t = TestServer.start(listenEverywhere)) {
            assertEquals(200, join("127.0.0.1", t.server.publicPort()).statusCode());
            HttpResponse<String> remote = join(VethNamespace.PARENT_ADDRESS, t.server.publicPort());
            assertEquals(403, remote.statusCode(), remote.body());
            assertEquals("open-rooms-loopback-only", TestServer.json(remote).get("error").get("code").asText());
            assertEquals(1, t.server.bridge().endpointCount(), "only the local join made an endpoint");
        }
        try (TestServer t = TestServer.start(listenEverywhere + "junction.demo.open-rooms = true\n")) {
            assertEquals(200, join(VethNamespace.PARENT_ADDRESS, t.server.publicPort()).statusCode(), "turned on: anyone");
        }
    }
}
