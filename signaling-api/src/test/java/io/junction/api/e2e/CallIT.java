package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Group calls through the bridge between real Chromium participants using the demo page. */
class CallIT extends BrowserTest {
    /** True when {@code p} decodes video (frames rising, width > 0) and receives audio from each of {@code ids}. */
    private static boolean receivesFrom(Participant p, Set<String> ids, Map<String, Participant.Remote> before) {
        Map<String, Participant.Remote> now = p.remotes();
        for (String id : ids) {
            Participant.Remote r = now.get(id);
            if (r == null || r.videoWidth() <= 0 || r.framesDecoded() <= 0 || r.audioPackets() <= 0) {
                return false;
            }
            Participant.Remote b = before.get(id);
            if (b != null && (r.framesDecoded() <= b.framesDecoded() || r.audioPackets() <= b.audioPackets())) {
                return false;
            }
        }
        return true;
    }

    private static void awaitReceiving(Participant p, Set<String> ids, long timeoutMs) throws InterruptedException {
        await(p.name + " decodes video and receives audio from " + ids, timeoutMs, () -> receivesFrom(p, ids, Map.of()));
        Map<String, Participant.Remote> snapshot = p.remotes();
        await(p.name + "'s frames and audio packets keep rising", 5000, () -> receivesFrom(p, ids, snapshot));
    }

    @Test
    void threeParticipantsThenOneLeavesThenALateJoiner() throws Exception {
        Participant a = join("Ada", "call");
        Participant b = join("Bob", "call");
        Participant c = join("Cy", "call");
        for (Participant p : List.of(a, b, c)) {
            await(p.name + " joined", 15000, p::joined);
        }
        String ida = a.endpointId();
        String idb = b.endpointId();
        String idc = c.endpointId();
        awaitReceiving(a, Set.of(idb, idc), 15000);
        awaitReceiving(b, Set.of(ida, idc), 15000);
        awaitReceiving(c, Set.of(ida, idb), 15000);

        // One leaves: within 5 s the others show exactly one remote video; its 4 forwarded streams end with a BYE.
        long byeBefore = t.server.bridge().media().counters().byeSent.sum();
        c.leave();
        await("remaining participants show exactly one remote video", 5000,
                () -> a.remoteVideoIds().equals(List.of(idb)) && b.remoteVideoIds().equals(List.of(ida)));
        await("a BYE for each stream Cy published to Ada and Bob", 5000,
                () -> t.server.bridge().media().counters().byeSent.sum() - byeBefore == 4);

        // A late joiner decodes every remote video within 5 s of joining.
        Participant d = join("Dee", "call");
        await("Dee joined", 15000, d::joined);
        awaitReceiving(d, Set.of(ida, idb), 5000);
        // (The 1 s first-frame bound is LateJoinerIT's, measured with fewer browsers competing for the CPU.)
        System.out.printf("late joiner: first remote frame %.0f ms after its ICE connected%n", d.firstFrameAfterIceMs());
        String idd = d.endpointId();
        awaitReceiving(a, Set.of(idb, idd), 10000);
        List<Double> joinTimes = new ArrayList<>();
        for (Participant p : List.of(b, c, d)) {
            double ms = p.joinTimeMs();
            if (ms >= 0) {
                joinTimes.add(ms);
            }
        }
        joinTimes.sort(null);
        assertTrue(!joinTimes.isEmpty(), "join times were measured");
        System.out.printf("E2E join time (WebSocket open, or camera ready if later -> first remote frame): %s ms, median %.0f ms%n",
                joinTimes, joinTimes.get(joinTimes.size() / 2));
        assertEquals(3, t.server.bridge().endpointCount());
        assertTrue(t.server.bridge().media().counters().dtlsSucceeded.sum() >= 4);

        // The bridge reads each selected pair on a connected socket of its own: the media came that
        // way, and the browser's consent checks on the pair keep being answered (the bridge answers
        // them itself there; unanswered, Chromium drops the pair after 30 s).
        var counters = t.server.bridge().media().counters();
        assertTrue(counters.receiveCallDatagrams.sum() > 1000, "datagrams read natively: " + counters.receiveCallDatagrams.sum());
        // How many of the bridge's datagrams to real browsers went as UDP GSO segments (a frame's
        // packets to one receiver in one message, when a batch holds several of them).
        System.out.printf("bridge sends: %d datagrams in %d system calls, %d of them as GSO segments%n",
                counters.sendCallDatagrams.sum(), counters.sendCalls.sum(), counters.sendSegmentedDatagrams.sum());
        Map<String, Object> before = a.selectedPairChecks();
        long answeredBefore = counters.stunAnswered.sum();
        await("Ada's consent checks answered", 15000, () -> {
            Map<String, Object> now = a.selectedPairChecks();
            return ((Number) now.get("responsesReceived")).longValue()
                    >= ((Number) before.get("responsesReceived")).longValue() + 2
                    && counters.stunAnswered.sum() >= answeredBefore + 2;
        });
        Map<String, Object> after = a.selectedPairChecks();
        System.out.printf("Ada's selected pair: checks %s -> %s; bridge answered %d consent checks, ignored %d STUN%n",
                before, after, counters.stunAnswered.sum(), counters.stunIgnored.sum());
        assertTrue(((Number) after.get("requestsSent")).longValue() - ((Number) after.get("responsesReceived")).longValue()
                <= ((Number) before.get("requestsSent")).longValue() - ((Number) before.get("responsesReceived")).longValue() + 1,
                "no consent check went unanswered: " + before + " -> " + after);
    }
}
