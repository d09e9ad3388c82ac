// Junction call page, built on the SDK (/sdk/junction-client.js).
// Joins an open room (POST /v1/rooms/{room}/join): ?room=R&name=N&autojoin=1; or an endpoint your
// backend created through the admin API: ?signalingUrl=URL or ?token=TOKEN (joins at once).
// publish=0 joins as a viewer (no camera or microphone); camera=WxH (default 1280x720); maxHeight=N
// (tallest video to receive) and lastN=K (video of at most K participants). Click a participant to
// put them in the spotlight (on stage, full size; the others become a filmstrip).
import { Junction } from '/sdk/junction-client.js';
import { levelMeter } from '/meter.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
window.junctionState = { joined: false, endpointId: null, error: null };
// where a join's time goes, on the page's clock (ms since navigation): read by the browser tests
const marks = (window.junctionState.marks = { script: performance.now() });

let localStream = null;
let room = null;
let lastJoin = null;          // how to join again after leaving: () => join(...)
const names = new Map();      // endpointId → display name

// ---------------------------------------------------------------- devices and preview

const cameraSize = () => {
  const [w, h] = (params.get('camera') || '1280x720').split('x').map(Number);
  return { width: w || 1280, height: h || 720 };
};

async function startPreview() {
  if (params.get('publish') === '0') {
    localStream = null;
    $('preview-empty').textContent = 'Viewer mode: you will join without camera and microphone';
    return;
  }
  try {
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: cameraSize() });
    marks.camera = performance.now();
    $('preview').srcObject = localStream;
    $('preview-empty').hidden = true;
    stopMeter = levelMeter(localStream, $('preview-meter'));
    await listDevices();
    marks.devices = performance.now();
  } catch (err) {
    localStream = null;
    $('preview-empty').textContent = 'No camera or microphone: you will join receive-only';
  }
}

/** Settles when the preview's camera and microphone have started (or failed); null once they have. */
let previewStarting = null;

/** Stops the preview's microphone level bar (it runs while the join card shows). */
let stopMeter = () => {};

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select, kind, current) => {
    select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
      const o = document.createElement('option');
      o.value = d.deviceId;
      o.textContent = d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`;
      o.selected = d.deviceId === current;
      return o;
    }));
  };
  const cam = localStream.getVideoTracks()[0];
  const mic = localStream.getAudioTracks()[0];
  fill($('camera-select'), 'videoinput', cam && cam.getSettings().deviceId);
  fill($('mic-select'), 'audioinput', mic && mic.getSettings().deviceId);
  fill($('call-camera-select'), 'videoinput', cam && cam.getSettings().deviceId);
  $('devices').hidden = false;
  $('call-camera-select').hidden = $('call-camera-select').options.length < 2;
}

async function previewDevice(kind, deviceId) {
  if (!localStream) return;
  const constraints = kind === 'video' ? { ...cameraSize(), deviceId: { exact: deviceId } } : { deviceId: { exact: deviceId } };
  const fresh = (await navigator.mediaDevices.getUserMedia({ [kind]: constraints })).getTracks()[0];
  const old = localStream.getTracks().find((t) => t.kind === kind);
  if (old) { localStream.removeTrack(old); old.stop(); }
  localStream.addTrack(fresh);
}
$('camera-select').addEventListener('change', (e) => previewDevice('video', e.target.value));
$('mic-select').addEventListener('change', (e) => previewDevice('audio', e.target.value));
$('call-camera-select').addEventListener('change', async (e) => {
  if (room) await room.switchDevice('video', e.target.value);
  $('local-video').srcObject = localStream;
});

// ---------------------------------------------------------------- tiles and layout

const initials = (name) => (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w.charAt(0).toUpperCase()).join('') || '?';

function tileFor(endpointId, displayName) {
  let tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
  if (tile) {
    if (displayName && tile.dataset.name !== displayName) setTileName(tile, displayName);
    return tile;
  }
  tile = document.createElement('div');
  tile.className = 'tile remote';
  tile.dataset.endpointId = endpointId;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  video.dataset.endpointId = endpointId;
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.dataset.endpointId = endpointId;
  const placeholder = document.createElement('div');
  placeholder.className = 'placeholder';
  placeholder.innerHTML = '<span class="initials"></span>';
  const paused = document.createElement('div');
  paused.className = 'paused';
  paused.textContent = 'video paused';
  const label = document.createElement('div');
  label.className = 'label';
  label.innerHTML = '<span class="mic-off" title="Microphone muted">mic off</span><span class="name"></span>';
  const stats = document.createElement('div');
  stats.className = 'stats';
  stats.hidden = !showStats;
  tile.append(video, audio, placeholder, paused, label, stats);
  setTileName(tile, displayName);
  tile.title = 'Click to spotlight';
  tile.addEventListener('click', () => toggleSpotlight(endpointId));
  $('grid').append(tile);
  updateCount();
  layout();
  return tile;
}

function setTileName(tile, displayName) {
  tile.dataset.name = displayName || '';
  tile.querySelector('.name').textContent = displayName || 'Guest'; // textContent: names are never HTML
  tile.querySelector('.initials').textContent = initials(displayName);
}

/** A participant's screen share: a tile of its own, shown large unless someone is spotlighted. */
function screenTileFor(endpointId) {
  let tile = document.querySelector(`.tile[data-screen-of="${CSS.escape(endpointId)}"]`);
  if (tile) return tile;
  tile = document.createElement('div');
  tile.className = 'tile screen has-video';
  tile.dataset.screenOf = endpointId;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  const label = document.createElement('div');
  label.className = 'label';
  label.textContent = `${names.get(endpointId) || 'Guest'}'s screen`;
  tile.append(video, label);
  $('grid').append(tile);
  applySpotlight();
  layout();
  return tile;
}

function removeScreenTile(endpointId) {
  const tile = document.querySelector(`.tile[data-screen-of="${CSS.escape(endpointId)}"]`);
  if (tile) tile.remove();
  applySpotlight();
  layout();
}

function removeTile(endpointId) {
  if (spotlight === endpointId) toggleSpotlight(endpointId);
  const tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
  if (tile) tile.remove();
  removeScreenTile(endpointId);
  updateCount();
  layout();
}

/**
 * Sizes the tiles: the column count that makes 16:9 tiles largest in the stage; with a spotlight,
 * one large tile over a filmstrip of the others.
 */
function layout() {
  const grid = $('grid');
  const stage = $('stage');
  const W = stage.clientWidth;
  const H = stage.clientHeight;
  if (!W || !H) return;
  const tiles = grid.querySelectorAll('.tile');
  const n = tiles.length;
  const gap = 10;
  if (grid.classList.contains('has-spotlight') && n > 1) {
    const others = n - 1;
    const stripH = Math.max(72, Math.min(150, H * 0.2));
    const stripW = (stripH * 16) / 9;
    const perRow = Math.max(1, Math.min(others, Math.floor((W + gap) / (stripW + gap))));
    const stripRows = Math.ceil(others / perRow);
    const spotH = Math.max(120, H - stripRows * (stripH + gap));
    const spotW = Math.min(W, (spotH * 16) / 9);
    const cols = Math.max(perRow, 1);
    grid.style.setProperty('--strip', cols);
    grid.style.setProperty('--strip-w', Math.max(stripW, spotW / cols - gap) + 'px');
    grid.style.setProperty('--strip-h', stripH + 'px');
    grid.style.setProperty('--spot-h', spotH + 'px');
    return;
  }
  let best = { w: 0, cols: 1 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = Math.min((W - gap * (cols - 1)) / cols, ((H - gap * (rows - 1)) / rows) * (16 / 9));
    if (w > best.w) best = { w, cols };
  }
  grid.style.setProperty('--cols', best.cols);
  grid.style.setProperty('--tile-w', Math.floor(best.w) + 'px');
  grid.style.setProperty('--tile-h', Math.floor((best.w * 9) / 16) + 'px');
}
window.addEventListener('resize', layout);

/** Receiver constraints from the URL (maxHeight, lastN) plus the spotlight. */
let spotlight = null;
function urlConstraints() {
  const num = (k) => (params.get(k) != null && params.get(k) !== '' && !isNaN(+params.get(k)) ? +params.get(k) : null);
  return { maxHeight: num('maxHeight'), lastN: num('lastN'), onStage: spotlight ? [spotlight] : [] };
}

function toggleSpotlight(endpointId) {
  spotlight = spotlight === endpointId ? null : endpointId;
  applySpotlight();
  window.junctionState.spotlight = spotlight;
  if (room) room.setConstraints(urlConstraints());
  layout();
}

/** The large tile: the participant clicked, else the first screen share. */
function applySpotlight() {
  const screen = spotlight ? null : document.querySelector('.tile.screen');
  for (const t of document.querySelectorAll('.tile.remote, .tile.screen')) {
    t.classList.toggle('spotlight', spotlight ? t.dataset.endpointId === spotlight : t === screen);
  }
  $('grid').classList.toggle('has-spotlight', !!(spotlight || screen));
}

function updateCount() {
  const n = document.querySelectorAll('.tile.local, .tile.remote').length;
  $('participant-count').textContent = n + (n === 1 ? ' participant' : ' participants');
}

function setStatus(state) {
  const el = $('conn-status');
  el.textContent = state;
  el.classList.toggle('ok', state === 'connected');
  if (state === 'connected' && window.junctionState && !window.junctionState.connectedAt) {
    window.junctionState.connectedAt = performance.now(); // media connected (ICE + DTLS): join-time measurements
  }
  el.classList.toggle('bad', state === 'failed' || state === 'disconnected' || state === 'closed');
}

// ---------------------------------------------------------------- per-tile statistics and paused video

let showStats = params.get('stats') === '1';
const lastFrames = new Map(); // mid → {frames, bytes, at, stalledSince}

/**
 * Once a second: per remote video, resolution, bitrate and whether frames still arrive (a track the
 * bridge stopped forwarding, by last-N or for bandwidth, keeps its last frame: shown as paused);
 * the local tile gets the round-trip time and loss of the connection.
 */
async function sampleTiles() {
  if (!room || !room.pc) return;
  let stats;
  try { stats = await room.pc.getStats(); } catch (e) { return; }
  const byMid = new Map(room.remoteTracks().map((t) => [t.mid, t]));
  const now = performance.now();
  stats.forEach((s) => {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
    const t = byMid.get(s.mid);
    if (!t) return;
    const tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(t.endpointId)}"]`);
    if (!tile) return;
    const prev = lastFrames.get(s.mid) || { frames: 0, bytes: 0, at: now, stalledSince: now };
    const frames = s.framesDecoded || 0;
    const moving = frames > prev.frames;
    const stalledSince = moving ? null : (prev.stalledSince || now);
    const kbps = prev.at < now ? ((s.bytesReceived - prev.bytes) * 8) / (now - prev.at) : 0;
    lastFrames.set(s.mid, { frames, bytes: s.bytesReceived || 0, at: now, stalledSince });
    tile.classList.toggle('video-paused', tile.classList.contains('has-video') && stalledSince != null && now - stalledSince > 1500);
    const lost = s.packetsLost || 0;
    const loss = lost + (s.packetsReceived || 0) > 0 ? (100 * lost) / (lost + s.packetsReceived) : 0;
    tile.querySelector('.stats').textContent =
      `${s.frameWidth || 0}×${s.frameHeight || 0} ${Math.round(s.framesPerSecond || 0)} fps\n${Math.max(0, Math.round(kbps))} kbit/s · loss ${loss.toFixed(1)} %`;
  });
  const q = room.connectionQuality;
  if (q) {
    $('local-tile').querySelector('.stats').textContent =
      `RTT ${q.rttMs == null ? '–' : Math.round(q.rttMs) + ' ms'} · loss ${q.lossPercent == null ? '–' : q.lossPercent.toFixed(1) + ' %'}` +
      (q.availableOutgoingBitrate ? `\nup ${Math.round(q.availableOutgoingBitrate / 1000)} kbit/s` : '');
  }
}
setInterval(sampleTiles, 1000);

$('toggle-stats').addEventListener('click', () => {
  showStats = !showStats;
  $('toggle-stats').classList.toggle('on', showStats);
  for (const s of document.querySelectorAll('.tile .stats')) s.hidden = !showStats;
});

// ---------------------------------------------------------------- joining

function showError(message) {
  window.junctionState.error = message;
  const el = $('join-error');
  el.textContent = message;
  el.hidden = false;
}

/** An open-rooms join; the SDK calls it again to rejoin when the bridge has lost us (restart, network). */
const openRoomJoin = (roomName, displayName) => async () => {
  const resp = await fetch(`/v1/rooms/${encodeURIComponent(roomName)}/join`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ displayName: displayName || null }),
  });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error((body.error && body.error.message) || `join failed (HTTP ${resp.status})`);
  return body;
};

/** Joins an open room by name. */
async function joinRoom(roomName, displayName) {
  $('join-button').disabled = true;
  $('join-error').hidden = true;
  const fetchJoin = openRoomJoin(roomName, displayName);
  let joinInfo;
  try {
    marks.joinRequest = performance.now();
    joinInfo = await fetchJoin();
    marks.joinResponse = performance.now();
  } catch (err) {
    showError(err.message);
    $('join-button').disabled = false;
    return;
  }
  lastJoin = () => joinRoom(roomName, displayName);
  await enterCall(joinInfo.signalingUrl, roomName, displayName, async () => (await fetchJoin()).signalingUrl);
  const url = new URL(location.href);
  url.searchParams.set('room', roomName);
  url.searchParams.delete('autojoin');
  url.searchParams.delete('name');
  history.replaceState(null, '', url);
}

/** Joins an endpoint created through the admin API (its signalingUrl, or just its token). */
async function joinEndpoint(signalingUrl, displayName) {
  lastJoin = null; // an endpoint's token is spent once it leaves
  await enterCall(signalingUrl, null, displayName, null);
}

async function enterCall(signalingUrl, roomName, displayName, rejoin) {
  $('join-card').hidden = true;
  $('left-card').hidden = true;
  $('call').hidden = false;
  $('room-info').hidden = false;
  $('check-link').hidden = true;
  $('whip-link').hidden = true;
  for (const t of document.querySelectorAll('.tile.remote, .tile.screen')) t.remove();
  $('room-title').textContent = roomName || 'Call';
  $('copy-link').hidden = !roomName;
  $('local-name').textContent = displayName || 'You';
  $('local-initials').textContent = initials(displayName || 'You');
  $('notice').hidden = true;
  layout();
  // With the camera still starting (an automatic join), the SDK opens the socket at once and answers
  // the bridge's offer when the camera is there: the join's round trips overlap the camera's start.
  const starting = previewStarting;
  const joining = Junction.join({ signalingUrl, localStream: starting ? starting.then(() => localStream) : localStream,
                                  constraints: urlConstraints(), rejoin: rejoin || undefined,
                                  codec: params.get('codec') || undefined, scalabilityMode: params.get('svc') || undefined,
                                  on: { participantJoined: showParticipant, participantUpdated: showParticipant } });
  joining.catch(() => {}); // handled below, once the preview is there
  if (starting) await starting;
  stopMeter();
  $('local-tile').classList.toggle('has-video', !!(localStream && localStream.getVideoTracks().length));
  $('local-video').srcObject = localStream;
  if (!localStream) {
    $('notice').textContent = 'Receive-only: no camera or microphone.';
    $('notice').hidden = false;
    $('toggle-audio').hidden = true;
    $('toggle-video').hidden = true;
  }
  layout();
  try {
    room = await joining;
  } catch (err) {
    leftCall(err.message, true);
    showError(err.message);
    return;
  }
  window.junctionRoom = room;
  if (!roomName) $('room-title').textContent = 'Call ' + room.conferenceId;
  if (room.displayName) $('local-name').textContent = room.displayName;
  // a rejoin keeps what the buttons say
  if ($('toggle-audio').classList.contains('off')) room.setAudioEnabled(false);
  if ($('toggle-video').classList.contains('off')) room.setVideoEnabled(false);
  const noteIce = () => {
    const s = room.pc.iceConnectionState;
    if ((s === 'connected' || s === 'completed') && !window.junctionState.iceConnectedAt) {
      window.junctionState.iceConnectedAt = performance.now(); // for join-time measurements
    }
  };
  room.pc.addEventListener('iceconnectionstatechange', noteIce);
  noteIce();
  room.on('reconnecting', ({ attempt }) => {
    $('notice').textContent = `Connection to the bridge lost; rejoining (attempt ${attempt})…`;
    $('notice').hidden = false;
  });
  room.on('reconnected', ({ endpointId }) => {
    window.junctionState.endpointId = endpointId;
    room.pc.addEventListener('iceconnectionstatechange', noteIce);
    $('notice').hidden = true;
  });
  room.on('participantLeft', ({ endpointId }) => removeTile(endpointId));
  room.on('track', showTrack);
  room.on('trackEnded', ({ endpointId, kind, source }) => {
    if (source === 'screen') { removeScreenTile(endpointId); return; }
    const tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
    if (!tile) return;
    if (kind === 'video') { tile.querySelector('video').srcObject = null; tile.classList.remove('has-video', 'video-paused'); }
    else tile.querySelector('audio').srcObject = null;
  });
  room.on('connectionState', setStatus);
  room.on('connectionQuality', ({ quality }) => {
    const el = $('quality');
    el.hidden = false;
    el.textContent = quality === 'lost' ? 'connection lost' : `${quality} connection`;
    el.className = 'pill quality ' + quality;
  });
  room.on('dominantSpeaker', ({ endpointId }) => showSpeaker(endpointId));
  room.on('error', ({ code, message }) => console.warn('junction error', code, message));
  room.on('left', ({ reason }) => leftCall(reason === 'left' ? '' : `Disconnected (${reason}).`, false));
  // (participants, tracks and the dominant speaker announced before these handlers are replayed to them)
  setStatus(room.pc.connectionState);
  window.junctionState.joined = true;
  window.junctionState.endpointId = room.endpointId;
}

function showParticipant({ endpointId, displayName, audioMuted, videoMuted }) {
  names.set(endpointId, displayName);
  const tile = tileFor(endpointId, displayName);
  tile.classList.toggle('audio-muted', !!audioMuted);
  tile.classList.toggle('video-muted', !!videoMuted);
}

function showTrack({ endpointId, kind, source, stream }) {
  if (source === 'screen') {
    screenTileFor(endpointId).querySelector('video').srcObject = stream;
    return;
  }
  const tile = tileFor(endpointId, names.get(endpointId) || (room.participants.get(endpointId) || {}).displayName);
  if (kind === 'video') {
    const video = tile.querySelector('video');
    video.srcObject = stream;
    tile.classList.add('has-video');
    if (video.requestVideoFrameCallback) {
      // For the join-time figure: the first remote frame this page presents.
      video.requestVideoFrameCallback(() => {
        if (!window.junctionState.firstFrameAt) window.junctionState.firstFrameAt = performance.now();
      });
    }
  } else {
    tile.querySelector('audio').srcObject = stream;
  }
}

function showSpeaker(endpointId) {
  window.junctionState.dominantSpeaker = endpointId;
  for (const t of document.querySelectorAll('.tile.remote')) t.classList.toggle('speaking', t.dataset.endpointId === endpointId);
}

/** The call is over (left, removed, or a failed join): no stale tiles; offer to rejoin. */
function leftCall(detail, failed) {
  window.junctionState.joined = false;
  setStatus('closed');
  for (const t of document.querySelectorAll('.tile.remote, .tile.screen')) t.remove();
  if (spotlight) toggleSpotlight(spotlight);
  applySpotlight();
  lastFrames.clear();
  setSharing(false);
  $('call').hidden = true;
  $('room-info').hidden = true;
  $('check-link').hidden = false;
  $('whip-link').hidden = false;
  if (failed) {
    $('join-card').hidden = false;
    $('join-button').disabled = false;
    return;
  }
  $('left-card').hidden = false;
  $('left-title').textContent = detail ? 'The call ended' : 'You left the room';
  $('left-detail').textContent = detail || '';
  $('rejoin').hidden = !lastJoin;
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  joinRoom($('room').value.trim(), $('name').value.trim());
});

$('rejoin').addEventListener('click', () => { if (lastJoin) lastJoin(); });

$('toggle-audio').addEventListener('click', () => {
  const btn = $('toggle-audio');
  const off = !btn.classList.contains('off');
  btn.classList.toggle('off', off);
  btn.textContent = off ? 'Mic off' : 'Mic on';
  $('local-tile').classList.toggle('audio-muted', off);
  if (room) room.setAudioEnabled(!off);
});

$('toggle-video').addEventListener('click', () => {
  const btn = $('toggle-video');
  const off = !btn.classList.contains('off');
  btn.classList.toggle('off', off);
  btn.textContent = off ? 'Camera off' : 'Camera on';
  $('local-tile').classList.toggle('video-muted', off);
  if (room) room.setVideoEnabled(!off);
});

$('leave').addEventListener('click', () => { if (room) room.leave(); });

function setSharing(on) {
  const btn = $('share-screen');
  btn.classList.toggle('on', on);
  btn.textContent = on ? 'Stop sharing' : 'Share screen';
  window.junctionState.sharingScreen = on;
}
$('share-screen').hidden = !(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
$('share-screen').addEventListener('click', async () => {
  if (!room) return;
  if (room.screenTrack) { room.stopScreenShare(); setSharing(false); return; }
  try {
    const track = await room.startScreenShare();
    setSharing(true);
    track.addEventListener('ended', () => setSharing(false));
  } catch (err) {
    console.warn('screen share', err);
  }
});

$('copy-link').addEventListener('click', async () => {
  const url = new URL(location.origin);
  url.searchParams.set('room', $('room-title').textContent);
  try { await navigator.clipboard.writeText(url.toString()); $('copy-link').textContent = 'Copied'; }
  catch (e) { prompt('Room link', url.toString()); }
  setTimeout(() => { $('copy-link').textContent = 'Copy link'; }, 1500);
});

(async () => {
  if (params.get('room')) $('room').value = params.get('room');
  if (params.get('name')) $('name').value = params.get('name');
  const endpointUrl = params.get('signalingUrl')
    || (params.get('token') ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/signaling?token=${encodeURIComponent(params.get('token'))}` : null);
  if (endpointUrl) {
    // an endpoint from the admin API: no room name to choose
    $('room-label').hidden = true;
    $('room').required = false;
  }
  // An automatic join starts with the camera rather than after it (enterCall); a user who clicks Join
  // has seen the preview first.
  previewStarting = startPreview().finally(() => { previewStarting = null; });
  if (endpointUrl) joinEndpoint(endpointUrl, $('name').value.trim() || params.get('name'));
  else if (params.get('autojoin') === '1' && $('room').value) joinRoom($('room').value.trim(), $('name').value.trim());
})();
