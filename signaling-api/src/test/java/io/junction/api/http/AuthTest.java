package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.junction.api.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class AuthTest {
    private static final String KEY = "test-key-0123456789";

    private int status(TestServer t, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.adminUrl(path)));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return t.send(b, "GET", null).statusCode();
    }

    @Test
    void everyAdminRequestNeedsTheKeyWhenConfigured() throws Exception {
        try (TestServer t = TestServer.start("junction.admin.api-key = \"" + KEY + "\"")) {
            for (String path : new String[] {"/v1/conferences", "/metrics", "/v1/stats", "/v1/conferences/x", "/nope"}) {
                assertEquals(401, status(t, path, null), path);
                assertEquals(401, status(t, path, "Bearer wrong"), path);
                assertEquals(401, status(t, path, "Bearer " + KEY + "x"), path);
                assertEquals(401, status(t, path, "Basic " + KEY), path);
            }
            var r = t.send(HttpRequest.newBuilder(URI.create(t.adminUrl("/v1/conferences"))), "POST", "{}");
            assertEquals(401, r.statusCode());
            assertEquals("unauthorized", TestServer.json(r).get("error").get("code").asText());
            assertEquals(0, t.server.bridge().conferenceCount());
            assertEquals(200, status(t, "/v1/conferences", "Bearer " + KEY));
            assertEquals(200, status(t, "/metrics", "bearer " + KEY));
            assertEquals(404, status(t, "/v1/conferences/x", "Bearer " + KEY));
            // The public port never asks for the admin key.
            assertEquals(200, t.publicRequest("GET", "/health", null).statusCode());
        }
    }

    @Test
    void noKeyConfiguredMeansOpenOnLoopback() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertEquals(200, status(t, "/v1/conferences", null));
            assertEquals(200, status(t, "/v1/conferences", "Bearer anything"));
        }
    }
}
