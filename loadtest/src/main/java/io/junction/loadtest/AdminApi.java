package io.junction.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The bridge's admin API as the load tool uses it: JSON requests with the bearer key, loopback only. */
final class AdminApi {
    private final HttpClient http;
    private final String adminUrl;
    private final String apiKey;

    AdminApi(HttpClient http, String adminUrl, String apiKey) {
        this.http = http;
        this.adminUrl = adminUrl;
        this.apiKey = apiKey;
    }

    /** POSTs {@code body}; anything but 2xx is an IOException naming the answer. */
    JsonNode post(String path, String body) throws IOException {
        HttpResponse<String> r = request("POST", path, body);
        if (r.statusCode() / 100 != 2) {
            throw new IOException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return SyntheticClient.JSON.readTree(r.body());
    }

    HttpResponse<String> request(String method, String path, String body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (!apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Creates an endpoint in {@code conferenceId} and returns its signaling URL, which must be on
     * loopback: the load tool sends nothing anywhere else.
     */
    String createEndpoint(String conferenceId, String displayName) throws IOException {
        JsonNode ep = post("/v1/conferences/" + conferenceId + "/endpoints", "{\"displayName\":\"" + displayName + "\"}");
        String url = ep.path("signalingUrl").asText();
        String host = URI.create(url).getHost();
        if (host == null || !(host.startsWith("127.") || host.equals("localhost") || host.equals("[::1]"))) {
            throw new IOException("the bridge hands out a signaling URL off loopback (" + url
                    + "); the load tool talks to loopback only");
        }
        return url;
    }

    /** A viewer token of {@code conferenceId} and its WHEP URL (on loopback, as above): {url, token}. */
    String[] viewerToken(String conferenceId) throws IOException {
        JsonNode v = post("/v1/conferences/" + conferenceId + "/viewers", "{}");
        String url = v.path("whepUrl").asText();
        String host = URI.create(url).getHost();
        if (host == null || !(host.startsWith("127.") || host.equals("localhost") || host.equals("[::1]"))) {
            throw new IOException("the bridge hands out a WHEP URL off loopback (" + url + "); the load tool talks to loopback only");
        }
        return new String[] {url, v.path("token").asText()};
    }
}
