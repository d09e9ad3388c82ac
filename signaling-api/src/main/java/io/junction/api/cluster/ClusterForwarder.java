package io.junction.api.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends an admin API request to another bridge of the cluster: the cluster's shared API key, a
 * header naming the sender (a forwarded request is never forwarded again), 5 s at most.
 */
public final class ClusterForwarder {
    /** Marks a request one bridge forwarded to another. */
    public static final String FORWARDED_HEADER = "X-Junction-Forwarded-By";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String selfId;
    private final String apiKey;

    /** @param apiKey the admin API key every bridge of the cluster shares (empty: none) */
    public ClusterForwarder(String selfId, String apiKey) {
        this.selfId = selfId;
        this.apiKey = apiKey;
    }

    /**
     * {@code method path} on {@code to}'s admin API with {@code jsonBody} (null: none).
     *
     * @throws IOException when it does not answer
     */
    public HttpResponse<String> send(Member to, String method, String path, String jsonBody)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(to.adminUrl() + path))
                .timeout(Duration.ofSeconds(5))
                .header(FORWARDED_HEADER, selfId)
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        if (!apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
