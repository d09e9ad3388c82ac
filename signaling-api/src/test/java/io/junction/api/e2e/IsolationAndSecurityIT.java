package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A client whose answer carries a wrong fingerprint never connects; conferences never mix media. */
class IsolationAndSecurityIT extends BrowserTest {
    @Test
    void wrongFingerprintNeverConnectsAndIsCounted() throws Exception {
        Participant honest = join("Honest", "fp");
        CallIT.await("honest joined", 15000, honest::joined);
        Participant forger = new Participant("Forger");
        participants.add(forger);
        forger.browser.open(t.publicUrl("/"));
        // A hand-written client: answers every offer, but signals a fingerprint that is not its certificate's.
        forger.browser.js("""
                window.forgery = { errors: [], bye: null, states: [] };
                (async () => {
                  const r = await fetch('/v1/rooms/fp/join', {method: 'POST', headers: {'Content-Type': 'application/json'},
                      body: JSON.stringify({displayName: 'Forger'})});
                  const j = await r.json();
                  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
                  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
                  window.forgery.pc = pc;
                  pc.onconnectionstatechange = () => window.forgery.states.push(pc.connectionState);
                  const ws = new WebSocket(j.signalingUrl);
                  ws.onmessage = async (ev) => {
                    const m = JSON.parse(ev.data);
                    if (m.type === 'error') window.forgery.errors.push(m.code);
                    if (m.type === 'bye') window.forgery.bye = m.reason;
                    if (m.type !== 'offer') return;
                    await pc.setRemoteDescription({type: 'offer', sdp: m.sdp});
                    for (const t of pc.getTransceivers()) {
                      const track = stream.getTracks().find((x) => x.kind === (t.mid === m.publish.audio ? 'audio' : 'video'));
                      if (t.mid === m.publish.audio || t.mid === m.publish.video) { t.direction = 'sendonly'; await t.sender.replaceTrack(track); }
                    }
                    const answer = await pc.createAnswer();
                    await pc.setLocalDescription(answer);
                    const forged = pc.localDescription.sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/g,
                        'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':'));
                    ws.send(JSON.stringify({type: 'answer', revision: m.revision, sdp: forged}));
                  };
                })();
                """);
        CallIT.await("the bridge counts a fingerprint mismatch", 20000,
                () -> t.server.bridge().media().counters().dtlsFingerprintMismatch.sum() >= 1);
        CallIT.await("the forger is told and removed", 10000,
                () -> "dtls-failed".equals(forger.browser.js("return window.forgery.bye")));
        @SuppressWarnings("unchecked")
        List<String> states = (List<String>) forger.browser.js("return window.forgery.states");
        assertTrue(!states.contains("connected"), "never connected: " + states);
        assertTrue(((List<?>) forger.browser.js("return window.forgery.errors")).contains("dtls-failed"));
        assertEquals(1, t.server.bridge().endpointCount(), "only the honest participant remains");
        // The honest participant is undisturbed.
        assertEquals("connected", honest.browser.js("return window.junctionRoom.pc.connectionState"));
    }

    @Test
    void twoConferencesStayIsolated() throws Exception {
        Participant r1 = join("Red1", "red");
        Participant r2 = join("Red2", "red");
        Participant b1 = join("Blue1", "blue");
        Participant b2 = join("Blue2", "blue");
        for (Participant p : participants) {
            CallIT.await(p.name + " joined", 15000, p::joined);
        }
        Map<Participant, Participant> mate = Map.of(r1, r2, r2, r1, b1, b2, b2, b1);
        for (var e : mate.entrySet()) {
            String mateId = e.getValue().endpointId();
            CallIT.await(e.getKey().name + " decodes its room mate", 20000, () -> {
                Participant.Remote r = e.getKey().remotes().get(mateId);
                return r != null && r.framesDecoded() > 0 && r.audioPackets() > 0;
            });
        }
        Thread.sleep(2000);
        for (var e : mate.entrySet()) {
            Participant p = e.getKey();
            assertEquals(List.of(e.getValue().endpointId()), p.remoteVideoIds(), p.name + " shows only its room mate");
            Map<String, Participant.Remote> remotes = p.remotes();
            assertEquals(Set.of(e.getValue().endpointId()), remotes.keySet(), p.name + " receives only from its room mate");
            Long inbound = (Long) p.browser.jsAsync("""
                    const done = arguments[arguments.length - 1];
                    window.junctionRoom.pc.getStats().then((s) => { let n = 0;
                      s.forEach((r) => { if (r.type === 'inbound-rtp' && r.packetsReceived > 0) n++; }); done(n); });
                    """);
            assertEquals(2L, inbound, p.name + " has exactly one audio and one video inbound stream");
        }
        assertEquals(2, t.server.bridge().conferenceCount());
    }
}
