package io.junction.bridge.conference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.BridgeConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BridgeTest {
    static final class FakeClock extends Clock {
        long ms = 1_000_000;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(ms);
        }
    }

    private final FakeClock clock = new FakeClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Bridge bridge;

    @BeforeEach
    void start() throws Exception {
        bridge = new Bridge(BridgeConfig.loopbackDefaults(0).withLimits(2, 2, Duration.ofSeconds(60)), registry, clock);
    }

    @AfterEach
    void stop() {
        bridge.shutdown();
    }

    /**
     * The forwarding tick runs on the conference's packet worker ten times a second; it allocates
     * nothing there (the worker's own allocation counter, as junction_worker_allocated_bytes_total reads it).
     */
    @Test
    void theForwardingTickAllocatesNothingOnTheWorker() throws Exception {
        Conference c = bridge.createConference("a");
        io.junction.bridge.worker.PacketWorker w = c.packetWorker(bridge.media());
        ticks(c, w, 5_000); // warm
        long before = w.allocatedBytes();
        ticks(c, w, 10_000);
        long bytes = w.allocatedBytes() - before;
        assertTrue(before >= 0, "the JVM counts a thread's allocation");
        assertTrue(bytes < 2048, bytes + " bytes allocated on the worker by 10 000 ticks");
    }

    private static void ticks(Conference c, io.junction.bridge.worker.PacketWorker w, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            c.tick();
            if (i % 500 == 499) {
                java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
                w.execute(done::countDown);
                assertTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        w.execute(done::countDown);
        assertTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void emptyConferenceExpiresAfterTimeoutOnly() throws Exception {
        Conference c = bridge.createConference("a");
        clock.ms += 59_999;
        assertEquals(0, bridge.expireIdleConferences());
        clock.ms += 1;
        assertEquals(1, bridge.expireIdleConferences());
        assertTrue(bridge.conference(c.id()).isEmpty());
        assertTrue(c.isEnded());
    }

    @Test
    void emptyTimerRestartsWhenLastEndpointLeaves() throws Exception {
        Conference c = bridge.createConference(null);
        Endpoint e = c.addEndpoint("x");
        clock.ms += 120_000;
        assertEquals(0, bridge.expireIdleConferences(), "occupied conferences never expire");
        c.removeEndpoint(e.id(), RemovalReason.LEFT);
        clock.ms += 59_000;
        assertEquals(0, bridge.expireIdleConferences(), "the timer starts when the conference becomes empty");
        clock.ms += 1_000;
        assertEquals(1, bridge.expireIdleConferences());
    }

    @Test
    void limitsAndGauges() throws Exception {
        Conference c = bridge.createConference(null);
        bridge.createConference(null);
        assertEquals(LimitExceededException.Kind.MAX_CONFERENCES,
                assertThrows(LimitExceededException.class, () -> bridge.createConference(null)).kind());
        c.addEndpoint("a");
        c.addEndpoint("b");
        assertEquals(LimitExceededException.Kind.MAX_ENDPOINTS,
                assertThrows(LimitExceededException.class, () -> c.addEndpoint("c")).kind());
        assertEquals(2.0, registry.get("junction.conferences").gauge().value());
        assertEquals(2.0, registry.get("junction.endpoints").gauge().value());
        bridge.removeConference(c.id(), RemovalReason.REMOVED);
        assertEquals(1.0, registry.get("junction.conferences").gauge().value());
        assertEquals(0.0, registry.get("junction.endpoints").gauge().value());
    }

    @Test
    void listenersSeeJoinsLeavesAndEnd() throws Exception {
        Conference c = bridge.createConference("room");
        List<String> events = new ArrayList<>();
        c.addListener(new ConferenceListener() {
            @Override
            public void endpointAdded(Endpoint endpoint) {
                events.add("added " + endpoint.displayName());
            }

            @Override
            public void endpointRemoved(Endpoint endpoint, RemovalReason reason) {
                events.add("removed " + endpoint.displayName() + " " + reason.wireName());
            }

            @Override
            public void conferenceEnded(Conference conference, RemovalReason reason) {
                events.add("ended " + reason.wireName());
            }
        });
        Endpoint a = c.addEndpoint("a");
        c.addEndpoint("b");
        assertTrue(c.removeEndpoint(a.id(), RemovalReason.LEFT));
        assertFalse(c.removeEndpoint(a.id(), RemovalReason.LEFT), "second removal is a no-op");
        assertTrue(a.isRemoved());
        bridge.shutdown();
        assertEquals(List.of("added a", "added b", "removed a left", "removed b shutdown", "ended shutdown"), events);
        assertEquals(LimitExceededException.Kind.DRAINING,
                assertThrows(LimitExceededException.class, () -> bridge.createConference(null)).kind());
    }

    @Test
    void openRoomReusesLiveConference() throws Exception {
        Conference a = bridge.openRoom("daily", 10);
        assertSame(a, bridge.openRoom("daily", 10));
        assertTrue(bridge.isOpenRoom(a));
        bridge.removeConference(a.id(), RemovalReason.REMOVED);
        Conference b = bridge.openRoom("daily", 10);
        assertFalse(a.id().equals(b.id()), "a removed room is created anew");
    }

    @Test
    void openRoomsNeverReachAdminConferencesAndAreCapped() throws Exception {
        bridge.shutdown();
        bridge = new Bridge(BridgeConfig.loopbackDefaults(0).withLimits(10, 2, Duration.ofSeconds(60)), registry, clock);
        Conference board = bridge.createConference("board-meeting");
        Conference open = bridge.openRoom("board-meeting", 2);
        assertNotSame(board, open, "an anonymous join must not land in the admin's conference of the same name");
        assertFalse(bridge.isOpenRoom(board));
        bridge.openRoom("second", 2);
        assertEquals(LimitExceededException.Kind.MAX_CONFERENCES,
                assertThrows(LimitExceededException.class, () -> bridge.openRoom("third", 2)).kind());
        assertSame(open, bridge.openRoom("board-meeting", 2), "existing rooms stay reachable at the cap");
        assertNotNull(bridge.createConference("admin-still-can"), "the admin API keeps its conference slots");
        bridge.removeConference(board.id(), RemovalReason.REMOVED);
        assertSame(open, bridge.openRoom("board-meeting", 2), "removing the admin's conference leaves the room alone");
    }

    @Test
    void endpointsThatNeverConnectExpireWithTheirToken() throws Exception {
        Conference c = bridge.createConference("a");
        Endpoint early = c.addEndpoint("early");
        clock.ms += 5_000;
        Endpoint late = c.addEndpoint("late");
        clock.ms += 6_000;
        assertEquals(1, bridge.expireInactiveEndpoints(Duration.ofSeconds(10)));
        assertTrue(early.isRemoved());
        assertEquals(RemovalReason.EXPIRED, early.removalReason());
        assertFalse(late.isRemoved(), "its token is still valid");
        clock.ms += 5_000;
        assertEquals(1, bridge.expireInactiveEndpoints(Duration.ofSeconds(10)));
        clock.ms += 61_000;
        assertEquals(1, bridge.expireIdleConferences(), "the conference of abandoned endpoints empties and expires");
    }

    @Test
    void dtlsCertificateRotatesForNewTransportsOnly() {
        MediaCore media = bridge.media();
        var before = media.certificate();
        var resources = media.transportResources();
        media.rotateCertificate();
        assertFalse(before.fingerprintSha256().equals(media.certificate().fingerprintSha256()), "a new key and certificate");
        assertSame(before, resources.certificate(), "a transport keeps the certificate its offer announced");
        assertTrue(media.certificate().notAfter().isAfter(Instant.now().plus(Duration.ofDays(29))));
        assertTrue(MediaCore.CERTIFICATE_ROTATION.toDays() <= 1, "rotated long before the 30 days run out");
    }
}
