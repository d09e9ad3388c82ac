// Junction connection check: camera, microphone, the bridge's HTTP and signaling, and a real media
// session (ICE, DTLS, SRTP) alone in a conference of its own (POST /v1/check), measured with the
// peer connection's statistics. Results also in window.checkResult for tests and support scripts.
import { Junction } from '/sdk/junction-client.js';
import { levelMeter } from '/meter.js';

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
window.checkResult = { done: false, rows: [] };

function row(name) {
  const li = document.createElement('li');
  li.innerHTML = '<span class="mark">…</span><span class="what"></span><span class="detail">checking…</span>';
  li.querySelector('.what').textContent = name;
  $('checks').append(li);
  const entry = { name, status: 'running', detail: '' };
  window.checkResult.rows.push(entry);
  return (status, detail) => {
    li.className = status;
    li.querySelector('.mark').textContent = { ok: '✓', warn: '!', fail: '✗', info: '–' }[status] || '…';
    li.querySelector('.detail').textContent = detail;
    entry.status = status;
    entry.detail = detail;
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function run() {
  $('checks').replaceChildren();
  window.checkResult = { done: false, rows: [] };
  $('summary').textContent = 'Running…';
  $('summary').className = 'summary';
  $('again').disabled = true;
  let failed = false;
  const fail = (set, detail) => { set('fail', detail); failed = true; };

  const browser = row('Browser');
  if (!window.RTCPeerConnection || !navigator.mediaDevices) {
    fail(browser, 'no WebRTC in this browser (or the page is not on https)');
    return finish(failed);
  }
  const ua = navigator.userAgent;
  const m = ua.match(/(Edg|Firefox|Chrome)\/(\d+)/) || ua.match(/Version\/(\d+).*(Safari)/);
  browser('ok', m ? (m[1] === 'Edg' ? 'Edge ' + m[2] : /\d/.test(m[1]) ? 'Safari ' + m[1] : m[1] + ' ' + m[2]) : 'WebRTC available');

  // camera and microphone
  const cam = row('Camera');
  const mic = row('Microphone');
  let stream = new MediaStream();
  for (const kind of ['video', 'audio']) {
    const set = kind === 'video' ? cam : mic;
    try {
      const s = await navigator.mediaDevices.getUserMedia(kind === 'video' ? { video: { width: 1280, height: 720 } } : { audio: true });
      const track = s.getTracks()[0];
      stream.addTrack(track);
      const st = track.getSettings();
      set('ok', track.label + (kind === 'video' ? ` · ${st.width}×${st.height}` : ''));
    } catch (err) {
      set('warn', `${err.name}: ${err.message} (you can still join to watch and listen)`);
    }
  }
  $('preview').srcObject = stream;
  $('preview-empty').hidden = stream.getVideoTracks().length > 0;
  stopMeter();
  stopMeter = levelMeter(stream, $('meter'));

  // the bridge over HTTP
  const http = row('Bridge (HTTP)');
  const times = [];
  try {
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await fetch('/health', { cache: 'no-store' });
      times.push(performance.now() - t0);
      if (!r.ok) throw new Error(`/health answered ${r.status}`);
    }
    http('ok', `reachable, ${median(times).toFixed(0)} ms per request`);
  } catch (err) {
    fail(http, err.message);
    return finish(failed);
  }

  // a media session of our own
  const signaling = row('Signaling');
  const media = row('Media path');
  const sending = row('Your media at the bridge');
  const tcp = row('ICE over TCP');
  const turn = row('TURN relay');
  let session;
  try {
    const r = await fetch('/v1/check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    session = await r.json();
    if (!r.ok) throw new Error((session.error && session.error.message) || `HTTP ${r.status}`);
  } catch (err) {
    fail(signaling, 'no check session: ' + err.message);
    for (const set of [media, sending, tcp, turn]) set('info', 'not tested');
    return finish(failed);
  }
  let room;
  const t0 = performance.now();
  try {
    room = await Junction.join({ signalingUrl: session.signalingUrl, localStream: stream, timeoutMs: 10000 });
    signaling('ok', `WebSocket and offer/answer in ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (err) {
    fail(signaling, `${err.code || 'error'}: ${err.message}`);
    for (const set of [media, sending, tcp, turn]) set('info', 'not tested');
    return finish(failed);
  }
  window.checkRoom = room;
  const offer = room.pc.remoteDescription ? room.pc.remoteDescription.sdp : '';
  const t1 = performance.now();
  const connected = await new Promise((resolve) => {
    if (room.pc.connectionState === 'connected') { resolve(true); return; }
    const timer = setTimeout(() => resolve(false), 15000);
    room.on('connectionState', (s) => {
      if (s === 'connected') { clearTimeout(timer); resolve(true); }
      if (s === 'failed') { clearTimeout(timer); resolve(false); }
    });
    room.on('error', ({ code }) => { if (code === 'ice-failed') { clearTimeout(timer); resolve(false); } });
  });
  if (!connected) {
    const udp = (offer.match(/a=candidate:\S+ 1 udp \S+ (\S+) (\d+)/i) || []).slice(1).join(':');
    fail(media, `no connection to the media port${udp ? ' (udp ' + udp + ')' : ''}: a firewall blocks UDP, or the bridge advertises an address you cannot reach`);
    sending('info', 'not tested');
  } else {
    // the transport's selected pair (a nominated, succeeded pair as a fallback); right at 'connected'
    // the stats may not name it yet, so ask again for up to a second
    let pair = null;
    let local = null;
    let stats = null;
    for (let i = 0; i < 10 && !local; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      stats = await room.pc.getStats();
      pair = null;
      stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId) || pair; });
      if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
      if (pair) local = stats.get(pair.localCandidateId);
    }
    const rtt = pair && pair.currentRoundTripTime != null ? pair.currentRoundTripTime * 1000 : null;
    const how = local ? `${(local.protocol || 'udp').toUpperCase()}, ${local.candidateType === 'relay' ? 'through TURN' : local.candidateType === 'host' ? 'direct' : 'through NAT'}` : 'connected';
    const status = rtt == null || rtt < 300 ? 'ok' : 'warn';
    media(status, `${how} in ${(performance.now() - t1).toFixed(0)} ms · round trip ${rtt == null ? '–' : rtt.toFixed(0) + ' ms'}`);
    // what the bridge reports of what we send (RTCP receiver reports)
    let report = null;
    for (let i = 0; i < 12 && !report; i++) {
      await sleep(500);
      const s = await room.pc.getStats();
      s.forEach((r) => { if (r.type === 'remote-inbound-rtp' && r.kind === 'video') report = r; });
      if (!report) s.forEach((r) => { if (r.type === 'remote-inbound-rtp') report = r; });
    }
    if (!stream.getTracks().length) {
      sending('info', 'nothing to send (no camera or microphone)');
    } else if (!report) {
      sending('warn', 'the bridge sent no receiver report in 6 s');
    } else {
      const loss = (report.fractionLost || 0) * 100;
      const q = room.connectionQuality;
      sending(loss < 2 ? 'ok' : 'warn', `received · loss ${loss.toFixed(1)} %` +
        (report.roundTripTime != null ? ` · round trip ${(report.roundTripTime * 1000).toFixed(0)} ms` : '') +
        (q && q.availableOutgoingBitrate ? ` · uplink about ${(q.availableOutgoingBitrate / 1e6).toFixed(1)} Mbit/s` : ''));
    }
  }
  tcp(/ tcp .* tcptype /i.test(offer) ? 'ok' : 'info', / tcp .* tcptype /i.test(offer)
    ? 'offered by the bridge' : 'not offered by this bridge: clients on networks that block UDP cannot connect');
  room.leave();
  if (!(room.iceServers && room.iceServers.length)) {
    turn('info', 'not configured on this bridge');
  } else {
    // a second session that may only connect through the bridge's TURN servers
    const urls = room.iceServers.flatMap((s) => [].concat(s.urls)).join(', ');
    try {
      const r = await fetch('/v1/check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const relaySession = await r.json();
      if (!r.ok) throw new Error((relaySession.error && relaySession.error.message) || `HTTP ${r.status}`);
      const t2 = performance.now();
      const relayRoom = await Junction.join({ signalingUrl: relaySession.signalingUrl, localStream: stream, timeoutMs: 10000,
                                              iceTransportPolicy: 'relay' });
      const ok = await new Promise((resolve) => {
        if (relayRoom.pc.connectionState === 'connected') { resolve(true); return; }
        const timer = setTimeout(() => resolve(false), 12000);
        relayRoom.on('connectionState', (s) => { if (s === 'connected') { clearTimeout(timer); resolve(true); } });
      });
      relayRoom.leave();
      if (ok) turn('ok', `connected through TURN in ${(performance.now() - t2).toFixed(0)} ms (${urls})`);
      else turn('warn', `configured (${urls}) but no connection through it: clients behind UDP-blocking firewalls cannot connect`);
    } catch (err) {
      turn('warn', `configured (${urls}); not tested: ${err.message}`);
    }
  }
  return finish(failed);
}

function finish(failed) {
  $('summary').textContent = failed ? 'Something is in the way: see the marked lines.' : 'Your connection works with this bridge.';
  $('summary').className = 'summary ' + (failed ? 'fail' : 'ok');
  $('again').disabled = false;
  window.checkResult.done = true;
  window.checkResult.ok = !failed;
}

let stopMeter = () => {};

$('again').addEventListener('click', run);
run();
