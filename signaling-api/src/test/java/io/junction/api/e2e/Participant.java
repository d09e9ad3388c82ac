package io.junction.api.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One demo-page participant in a real Chromium, with helpers that read WebRTC stats. */
final class Participant implements AutoCloseable {
    /** Per remote endpoint: what this participant decodes and receives from it. */
    record Remote(String endpointId, long framesDecoded, long videoWidth, long audioPackets, long videoPackets,
                  long frameHeight, long freezeCount, double freezeSeconds) {}

    final Browser browser;
    final String name;
    long joinStartedMs;

    Participant(String name) throws IOException {
        this(name, null);
    }

    /** A participant whose browser is driven by the chromedriver at {@code remoteDriver} (null: a local one). */
    Participant(String name, java.net.URL remoteDriver) throws IOException {
        this.name = name;
        this.browser = new Browser(name, remoteDriver);
    }

    void join(String baseUrl, String room) {
        join(baseUrl, room, true);
    }

    /** Joins through the demo page; {@code publish} false joins as a viewer (no camera, no microphone). */
    void join(String baseUrl, String room, boolean publish) {
        join(baseUrl, room, publish ? "" : "&publish=0");
    }

    /** Joins through the demo page with extra URL parameters (e.g. {@code "&maxHeight=180"}). */
    void join(String baseUrl, String room, String extraQuery) {
        joinStartedMs = System.currentTimeMillis();
        browser.open(baseUrl + "/?room=" + room + "&name=" + name + "&autojoin=1" + extraQuery);
    }

    boolean joined() {
        return Boolean.TRUE.equals(browser.js("return !!(window.junctionState && window.junctionState.joined)"));
    }

    String endpointId() {
        return (String) browser.js("return window.junctionState && window.junctionState.endpointId");
    }

    /** Inbound stats keyed by remote endpoint (mapped through the SDK's mid list). */
    @SuppressWarnings("unchecked")
    Map<String, Remote> remotes() {
        Object r = browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                const room = window.junctionRoom;
                if (!room) { done([]); return; }
                room.pc.getStats().then((stats) => {
                  const byMid = new Map(room.remoteTracks().map((t) => [t.mid, t]));
                  const out = [];
                  stats.forEach((s) => {
                    if (s.type !== 'inbound-rtp') return;
                    const t = byMid.get(s.mid);
                    if (!t) return;
                    let width = 0;
                    if (s.kind === 'video') {
                      const v = document.querySelector('video[data-endpoint-id="' + t.endpointId + '"]');
                      width = v ? v.videoWidth : 0;
                    }
                    out.push({ endpointId: t.endpointId, kind: s.kind, framesDecoded: s.framesDecoded || 0,
                               packetsReceived: s.packetsReceived || 0, width, height: s.frameHeight || 0,
                               freezeCount: s.freezeCount || 0, freezeSeconds: s.totalFreezesDuration || 0 });
                  });
                  done(out);
                }).catch(() => done([]));
                """);
        Map<String, double[]> acc = new HashMap<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) r) {
            double[] a = acc.computeIfAbsent((String) s.get("endpointId"), k -> new double[7]);
            if ("video".equals(s.get("kind"))) {
                a[0] = ((Number) s.get("framesDecoded")).longValue();
                a[1] = ((Number) s.get("width")).longValue();
                a[3] = ((Number) s.get("packetsReceived")).longValue();
                a[4] = ((Number) s.get("height")).longValue();
                a[5] = ((Number) s.get("freezeCount")).longValue();
                a[6] = ((Number) s.get("freezeSeconds")).doubleValue();
            } else {
                a[2] = ((Number) s.get("packetsReceived")).longValue();
            }
        }
        Map<String, Remote> out = new HashMap<>();
        acc.forEach((id, a) -> out.put(id, new Remote(id, (long) a[0], (long) a[1], (long) a[2], (long) a[3], (long) a[4],
                (long) a[5], a[6])));
        return out;
    }

    /** Endpoint ids of remote video elements in the page. */
    @SuppressWarnings("unchecked")
    List<String> remoteVideoIds() {
        return new ArrayList<>((List<String>) browser.js(
                "return [...document.querySelectorAll('.tile.remote video[data-endpoint-id]')].map(v => v.dataset.endpointId)"));
    }

    /** ICE connected → first remote video frame presented, in ms; -1 when not yet. */
    double firstFrameAfterIceMs() {
        Object v = browser.js("const s = window.junctionState;"
                + "return (s && s.firstFrameAt && s.iceConnectedAt) ? s.firstFrameAt - s.iceConnectedAt : -1;");
        return ((Number) v).doubleValue();
    }

    /** Media connected (ICE + DTLS) → first remote video frame presented, in ms; -1 when not yet. */
    double firstFrameAfterConnectedMs() {
        Object v = browser.js("const s = window.junctionState;"
                + "return (s && s.firstFrameAt && s.connectedAt) ? s.firstFrameAt - s.connectedAt : -1;");
        return ((Number) v).doubleValue();
    }

    /**
     * Page navigation start → first remote video frame presented, in ms (the page's own clock; with
     * autojoin this is what a user waits from opening the link); -1 when not yet.
     */
    double firstFrameSincePageOpenMs() {
        Object v = browser.js("const s = window.junctionState; return (s && s.firstFrameAt) ? s.firstFrameAt : -1;");
        return ((Number) v).doubleValue();
    }

    /**
     * Where the page's part of a join went: the page's marks (ms since navigation: script running,
     * camera and microphone ready, devices listed, join request and response), the WebSocket opening
     * and the first remote frame, as one line.
     */
    String pageMarks() {
        Object v = browser.js("const s = window.junctionState || {}, m = s.marks || {}, r = window.junctionRoom || {};"
                + "const f = (x) => x == null ? '-' : Math.round(x);"
                + "return 'script ' + f(m.script) + ', camera ' + f(m.camera) + ', devices ' + f(m.devices)"
                + " + ', join request ' + f(m.joinRequest) + ', response ' + f(m.joinResponse)"
                + " + ', WebSocket open ' + f(r.signalingOpenedAt) + ', ICE ' + f(s.iceConnectedAt)"
                + " + ', DTLS ' + f(s.connectedAt) + ', first frame ' + f(s.firstFrameAt);");
        return String.valueOf(v);
    }

    /** One of the page's marks ({@code camera}, {@code joinRequest}, …: ms since navigation), or -1 when not set. */
    double pageMark(String name) {
        Object v = browser.js("const m = (window.junctionState || {}).marks || {}; return m[arguments[0]] == null ? -1 : m[arguments[0]];", name);
        return ((Number) v).doubleValue();
    }

    /**
     * WebSocket open → first remote video frame presented, in ms, counted from when the page's camera
     * was ready if that came later (an automatic join opens the socket while the camera starts, and
     * the answer waits for it); -1 when not yet.
     */
    double joinTimeMs() {
        Object v = browser.js("const s = window.junctionState, r = window.junctionRoom, m = (s && s.marks) || {};"
                + "if (!(s && r && s.firstFrameAt && r.signalingOpenedAt)) return -1;"
                + "return s.firstFrameAt - Math.max(r.signalingOpenedAt, m.devices || m.camera || 0);");
        return ((Number) v).doubleValue();
    }

    /**
     * The local candidate of the selected ICE pair (the transport's selectedCandidatePairId, else the
     * nominated succeeded pair): {@code protocol}, {@code port}, {@code type}; null, -1, null before one
     * is selected.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> localCandidate() {
        return (Map<String, Object>) browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => {
                  let pair = null; let id = null;
                  s.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) id = r.selectedCandidatePairId; });
                  if (id) pair = s.get(id);
                  if (!pair) s.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
                  const l = pair && s.get(pair.localCandidateId);
                  done({ protocol: l ? l.protocol : null, port: l ? l.port : -1, type: l ? l.candidateType : null });
                });""");
    }

    /**
     * The selected pair's STUN checks (consent checks once it is selected): {@code requestsSent},
     * {@code responsesReceived}; -1 each before a pair is selected.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> selectedPairChecks() {
        return (Map<String, Object>) browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => {
                  let id = null;
                  s.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) id = r.selectedCandidatePairId; });
                  const pair = id && s.get(id);
                  done({ requestsSent: pair ? pair.requestsSent : -1, responsesReceived: pair ? pair.responsesReceived : -1 });
                });""");
    }

    /**
     * What this browser sends and receives and how its transport is doing, for failure reports: per
     * outbound stream packets/frames sent and the quality limitation, per inbound video stream packets,
     * frames received/decoded, keyframes and feedback sent, the selected pair's available outgoing
     * bitrate and round-trip time.
     */
    String sendingSummary() {
        return String.valueOf(browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                if (!window.junctionRoom) { done('no room'); return; }
                window.junctionRoom.pc.getStats().then((s) => {
                  const out = [];
                  s.forEach((r) => {
                    if (r.type === 'outbound-rtp') out.push(r.kind + ' ' + (r.rid || '') + ' sent=' + r.packetsSent
                        + ' frames=' + (r.framesEncoded || 0) + ' limit=' + (r.qualityLimitationReason || '-')
                        + ' nack=' + (r.nackCount || 0) + ' pli=' + (r.pliCount || 0) + ' target=' + (r.targetBitrate || 0));
                    if (r.type === 'inbound-rtp' && r.kind === 'video') out.push('in mid ' + r.mid + ' recv=' + r.packetsReceived
                        + ' lost=' + r.packetsLost + ' frames=' + r.framesReceived + '/' + r.framesDecoded + ' key=' + r.keyFramesDecoded
                        + ' dropped=' + r.framesDropped + ' h=' + r.frameHeight + ' nack=' + r.nackCount + ' pli=' + r.pliCount
                        + ' freezes=' + r.freezeCount + ' jb=' + (r.jitterBufferEmittedCount ? (r.jitterBufferDelay / r.jitterBufferEmittedCount).toFixed(3) : '-'));
                    if (r.type === 'candidate-pair' && r.nominated) out.push('pair ' + r.state + ' out=' + r.availableOutgoingBitrate
                        + ' rtt=' + r.currentRoundTripTime + ' sent=' + r.packetsSent + ' recv=' + r.packetsReceived);
                  });
                  done(out.join('; '));
                }).catch((e) => done('stats failed: ' + e));"""));
    }

    void leave() {
        browser.js("window.junctionRoom && window.junctionRoom.leave()");
    }

    @Override
    public void close() {
        browser.close();
    }
}
