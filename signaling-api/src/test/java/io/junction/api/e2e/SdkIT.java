package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.junction.api.TestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK as an application uses it: the backend creates endpoints over REST, and
 * docs/examples/minimal-call.html, served from another origin, imports the SDK from the bridge
 * (CORS) and joins with each endpoint's signalingUrl in a real Chromium. Then every public method
 * and event of a Room is exercised against the real bridge.
 */
class SdkIT extends BrowserTest {
    private HttpServer site;
    private ServerSocket silent;
    private final List<Browser> browsers = new java.util.ArrayList<>();

    @AfterEach
    void stopSite() throws Exception {
        browsers.forEach(Browser::close);
        if (site != null) {
            site.stop(0);
        }
        if (silent != null) {
            silent.close();
        }
    }

    /** The example page, served as the application's own origin (another port than the bridge's). */
    private String startSite() throws Exception {
        byte[] page = Files.readAllBytes(Path.of(System.getProperty("user.dir")).getParent()
                .resolve("docs/examples/minimal-call.html"));
        site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        site.createContext("/call.html", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        site.start();
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    private Browser openCall(String name, String siteUrl, JsonNode endpoint) throws Exception {
        Browser b = new Browser(name);
        browsers.add(b);
        String sdk = t.publicUrl("/sdk/junction-client.js");
        b.open(siteUrl + "/call.html?signalingUrl=" + URLEncoder.encode(endpoint.get("signalingUrl").asText(),
                StandardCharsets.UTF_8) + "&sdk=" + URLEncoder.encode(sdk, StandardCharsets.UTF_8));
        await(name + " joined", 20000, () -> Boolean.TRUE.equals(b.js("return !!window.room")));
        // recorders for the events the test looks at
        b.js("""
                window.seen = { participantUpdated: [], participantLeft: [], connectionQuality: [], left: [], joined: [] };
                for (const ev of Object.keys(window.seen)) window.room.on(ev, (e) => window.seen[ev].push(e));
                """);
        return b;
    }

    private static long framesFrom(Browser b, String endpointId) {
        Object n = b.jsAsync("""
                const done = arguments[arguments.length - 1];
                const v = document.getElementById('video-' + arguments[0]);
                if (!v || !v.srcObject) { done(0); return; }
                const track = v.srcObject.getVideoTracks()[0];
                window.room.pc.getStats(track).then((s) => {
                  let f = 0; s.forEach((r) => { if (r.type === 'inbound-rtp') f = r.framesDecoded || 0; }); done(f);
                }).catch(() => done(0));
                """, endpointId);
        return ((Number) n).longValue();
    }

    @Test
    void aPageOnAnotherOriginJoinsRestEndpointsAndUsesEveryMethod() throws Exception {
        String siteUrl = startSite();
        String conference = TestServer.json(t.admin("POST", "/v1/conferences", "{\"name\":\"sdk\"}")).get("id").asText();
        JsonNode ada = TestServer.json(t.admin("POST", "/v1/conferences/" + conference + "/endpoints", "{\"displayName\":\"Ada\"}"));
        JsonNode bob = TestServer.json(t.admin("POST", "/v1/conferences/" + conference + "/endpoints", "{\"displayName\":\"Bob\"}"));
        String adaId = ada.get("id").asText();
        String bobId = bob.get("id").asText();

        var sdk = t.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(t.publicUrl("/sdk/junction-client.js")))
                .header("Origin", siteUrl), "GET", null);
        assertEquals("*", sdk.headers().firstValue("access-control-allow-origin").orElse(""), "the SDK is loadable cross-origin");

        Browser a = openCall("Ada", siteUrl, ada);
        Thread.sleep(1500); // Ada's tracks are in the conference before Bob joins
        Browser b = openCall("Bob", siteUrl, bob);
        // Bob attached his 'track' handler after `await Junction.join(…)`: Ada's tracks, offered in his
        // first offer, reach it by replay. Both decode each other.
        await("Bob decodes Ada (handlers attached after join)", 20000, () -> framesFrom(b, adaId) > 10);
        await("Ada decodes Bob", 20000, () -> framesFrom(a, bobId) > 10);
        assertEquals(Boolean.TRUE, b.js("return !!document.getElementById('audio-' + arguments[0])", adaId));
        assertEquals("Ada", b.js("return window.room.participants.get(arguments[0]).displayName", adaId));
        assertEquals(Boolean.TRUE, b.js("""
                return new Promise((resolve) => {
                  const got = []; window.room.on('participantJoined', (p) => got.push(p.endpointId));
                  setTimeout(() => resolve(got.includes(arguments[0])), 50);
                });""", adaId), "participantJoined is replayed to a late handler");
        assertEquals(2L, ((Number) b.js("return window.room.remoteTracks().length")).longValue());

        // connectionQuality: a reading on loopback is good
        await("Bob's connection quality", 10000, () -> "good".equals(b.js(
                "return window.seen.connectionQuality.length ? window.seen.connectionQuality.at(-1).quality : null")));
        assertTrue(((Number) b.js("return window.room.connectionQuality.rttMs")).doubleValue() < 100);

        // off: a handler taken away hears nothing more
        b.js("window.offCalls = 0; window.offHandler = () => window.offCalls++;"
                + "window.room.on('participantUpdated', window.offHandler); window.room.off('participantUpdated', window.offHandler);");
        // mute: the others are told
        a.js("window.room.setAudioEnabled(false)");
        await("Bob sees Ada muted", 10000, () -> Boolean.TRUE.equals(b.js(
                "return window.seen.participantUpdated.some((p) => p.endpointId === arguments[0] && p.audioMuted)", adaId)));
        assertEquals(Boolean.TRUE, b.js("return window.room.participants.get(arguments[0]).audioMuted", adaId));
        assertEquals(0L, ((Number) b.js("return window.offCalls")).longValue(), "a handler removed with off() is not called");
        assertEquals(Boolean.FALSE, a.js("return window.room.localStream.getAudioTracks()[0].enabled"));
        assertTrue(t.server.bridge().conference(conference).orElseThrow().endpoint(adaId).orElseThrow().audioMuted());
        a.js("window.room.setAudioEnabled(true); window.room.setVideoEnabled(false); window.room.setVideoEnabled(true)");
        await("Bob sees Ada unmuted", 10000, () -> Boolean.TRUE.equals(b.js(
                "const u = window.seen.participantUpdated.at(-1); return !u.audioMuted && !u.videoMuted")));

        // switchDevice: the same fake camera opened again; the old track stops, Bob keeps decoding
        @SuppressWarnings("unchecked")
        Map<String, Object> sw = (Map<String, Object>) a.js("""
                const old = window.room.localStream.getVideoTracks()[0];
                const id = old.getSettings().deviceId;
                return window.room.switchDevice('video', id).then((track) => ({
                  oldState: old.readyState, sent: window.room.pc.getSenders().some((s) => s.track === track),
                  inStream: window.room.localStream.getVideoTracks()[0] === track }));""");
        assertEquals("ended", sw.get("oldState"), "the old camera track is stopped: " + sw);
        assertEquals(Boolean.TRUE, sw.get("sent"));
        assertEquals(Boolean.TRUE, sw.get("inStream"));
        long before = framesFrom(b, adaId);
        await("Bob decodes Ada's new camera track", 15000, () -> framesFrom(b, adaId) > before + 30);

        // replaceTrack with a canvas track (a processed video, say)
        a.js("""
                const c = document.createElement('canvas'); c.width = 320; c.height = 180;
                const g = c.getContext('2d'); let n = 0;
                setInterval(() => { g.fillStyle = n++ % 2 ? '#c33' : '#33c'; g.fillRect(0, 0, 320, 180); }, 33);
                window.canvasTrack = c.captureStream(30).getVideoTracks()[0];
                return window.room.replaceTrack(window.canvasTrack).then((old) => { window.replaced = old; });""");
        assertEquals(Boolean.TRUE, a.js("return window.room.pc.getSenders().some((s) => s.track === window.canvasTrack)"));
        long beforeCanvas = framesFrom(b, adaId);
        await("Bob decodes Ada's canvas", 15000, () -> framesFrom(b, adaId) > beforeCanvas + 30);
        // setConstraints reaches the bridge; getStats is the peer connection's
        b.js("window.room.setConstraints({ maxHeight: 180, lastN: 1, onStage: [arguments[0]] })", adaId);
        await("Bob's constraints at the bridge", 5000, () -> t.server.bridge().conference(conference).orElseThrow()
                .endpoint(bobId).orElseThrow().constraints().toString().equals("Constraints[maxHeight=180, lastN=1, onStage=[" + adaId + "]]"));
        assertEquals(Boolean.TRUE, b.js("""
                return window.room.getStats().then((s) => { let n = 0; s.forEach((r) => { if (r.type === 'inbound-rtp') n++; });
                  return n >= 2; });"""));

        // join failures are JoinErrors with a code
        @SuppressWarnings("unchecked")
        Map<String, Object> bad = (Map<String, Object>) b.js("""
                return import(arguments[0]).then(({ Junction }) => Junction.join({ signalingUrl: arguments[1] }))
                  .then(() => ({ code: 'joined' }), (e) => ({ code: e.code, name: e.name, message: e.message }));""",
                t.publicUrl("/sdk/junction-client.js"), "ws://127.0.0.1:" + t.server.publicPort() + "/v1/signaling?token=forged");
        assertEquals("unauthorized", bad.get("code"), "a forged token: " + bad);
        assertEquals("JoinError", bad.get("name"));
        silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress()); // accepts, never answers
        long t0 = System.currentTimeMillis();
        @SuppressWarnings("unchecked")
        Map<String, Object> timeout = (Map<String, Object>) b.js("""
                return import(arguments[0]).then(({ Junction }) => Junction.join({ signalingUrl: arguments[1], timeoutMs: 2000 }))
                  .then(() => ({ code: 'joined' }), (e) => ({ code: e.code, message: e.message }));""",
                t.publicUrl("/sdk/junction-client.js"), "ws://127.0.0.1:" + silent.getLocalPort() + "/v1/signaling?token=x");
        long took = System.currentTimeMillis() - t0;
        assertEquals("join-timeout", timeout.get("code"), "a bridge that never answers: " + timeout);
        assertTrue(took >= 1900 && took < 8000, "timed out after " + took + " ms");
        assertTrue(!String.valueOf(timeout.get("message")).contains("token=x"), "the token is not in the message");

        // leave: the others are told; the room says 'left'
        a.js("window.room.leave()");
        await("Bob sees Ada leave", 10000, () -> Boolean.TRUE.equals(b.js(
                "return window.seen.participantLeft.some((p) => p.endpointId === arguments[0] && p.reason === 'left')", adaId)));
        assertEquals("left", a.js("return window.seen.left.length ? window.seen.left[0].reason : null"));
        await("Ada's video element removed at trackEnded", 5000, () -> Boolean.FALSE.equals(b.js(
                "return !!document.getElementById('video-' + arguments[0])", adaId)));
        assertEquals(1, t.server.bridge().endpointCount());
    }
}
