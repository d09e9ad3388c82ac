package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A participant joining a running call decodes every publisher soon after its ICE connection: the
 * bridge asks the publishers for a keyframe as soon as the newcomer's SRTP keys are installed. Three
 * successive late joiners (each leaves before the next) into a call of two publishers; each one's
 * join request leaves before its camera is ready (the page joins while getUserMedia runs). The figures
 * (typically 30-1000 ms) are reported; the bound is the promise of docs/performance.md, which holds
 * on a loaded 2-core machine.
 */
class LateJoinerIT extends BrowserTest {
    static final double BOUND_MS = 3000;

    @Test
    void lateJoinersDecodeEveryoneSoonAfterIceConnection() throws Exception {
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
            // an automatic join does not wait for the camera: its request leaves while getUserMedia runs
            double request = late.pageMark("joinRequest");
            double camera = late.pageMark("camera");
            assertTrue(request >= 0 && camera > request, late.name + ": join request at " + request
                    + " ms, camera ready at " + camera + " ms: the join should start with the camera, not after it");
            double ice = late.firstFrameAfterIceMs();
            double dtls = late.firstFrameAfterConnectedMs();
            fromIce.add(ice);
            figures.add(String.format("%s: first frame %.0f ms after opening the page, %.0f ms after the WebSocket opened (or the camera, if later), "
                    + "%.0f ms after ICE connected, %.0f ms after DTLS (page clock: %s)", late.name, late.firstFrameSincePageOpenMs(),
                    late.joinTimeMs(), ice, dtls, late.pageMarks()));
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
