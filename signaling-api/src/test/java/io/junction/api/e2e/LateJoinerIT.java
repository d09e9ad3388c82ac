package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A participant joining a running call decodes its first frame within 1 s of its ICE connection:
 * the bridge asks the publishers for a keyframe as soon as the newcomer's SRTP keys are installed.
 * Three successive late joiners (each leaves before the next) into a call of two publishers.
 */
class LateJoinerIT extends BrowserTest {
    static final double BOUND_MS = 1000;

    @Test
    void lateJoinersDecodeWithinOneSecondOfIceConnection() throws Exception {
        Participant a = join("Ann", "late");
        Participant b = join("Ben", "late");
        await("both joined", 15000, () -> a.joined() && b.joined());
        String ida = a.endpointId();
        String idb = b.endpointId();
        await("each decodes the other", 20000, () -> {
            Participant.Remote ra = b.remotes().get(ida);
            Participant.Remote rb = a.remotes().get(idb);
            return ra != null && ra.framesDecoded() > 0 && rb != null && rb.framesDecoded() > 0;
        });
        List<String> figures = new ArrayList<>();
        List<Double> fromIce = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Participant late = join("Late" + i, "late");
            await(late.name + " joined", 15000, late::joined);
            await(late.name + " decodes both", 10000, () -> {
                var r = late.remotes();
                return r.get(ida) != null && r.get(ida).framesDecoded() > 0 && r.get(idb) != null && r.get(idb).framesDecoded() > 0;
            });
            double ice = late.firstFrameAfterIceMs();
            double dtls = late.firstFrameAfterConnectedMs();
            fromIce.add(ice);
            figures.add(String.format("%s: first frame %.0f ms after ICE connected, %.0f ms after DTLS", late.name, ice, dtls));
            late.leave();
            await("the others see " + late.name + " leave", 5000,
                    () -> a.remoteVideoIds().equals(List.of(idb)) && b.remoteVideoIds().equals(List.of(ida)));
            participants.remove(late);
            late.close();
        }
        System.out.println("late joiners: " + figures + "; bridge send errors " + t.server.bridge().media().counters().sendErrors.sum());
        for (double ms : fromIce) {
            assertTrue(ms >= 0 && ms <= BOUND_MS, "first frame within " + BOUND_MS + " ms of ICE: " + figures);
        }
    }
}
