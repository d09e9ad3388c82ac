package io.junction.bridge.conference;

import java.time.Instant;
import java.util.Objects;

/**
 * One participant of a conference: one peer connection to the bridge. The media session is
 * attached when the client's signaling connects and its answer arrives.
 */
public final class Endpoint {
    private final String id;
    private final Conference conference;
    private final String displayName;
    private final Instant createdAt;
    private volatile boolean removed;

    Endpoint(String id, Conference conference, String displayName, Instant createdAt) {
        this.id = Objects.requireNonNull(id);
        this.conference = Objects.requireNonNull(conference);
        this.displayName = displayName == null ? "" : displayName;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public Conference conference() {
        return conference;
    }

    public String displayName() {
        return displayName;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean isRemoved() {
        return removed;
    }

    void markRemoved() {
        removed = true;
    }

    @Override
    public String toString() {
        return "Endpoint[" + conference.id() + "/" + id + "]";
    }
}
