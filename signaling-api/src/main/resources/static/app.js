// Junction demo page: joins an open room (POST /v1/rooms/{room}/join) and shows everyone.
// URL parameters: ?room=R&name=N&autojoin=1, publish=0 to join as a viewer (no camera or microphone);
// camera=WxH (default 1280x720); maxHeight=N (tallest video to receive) and lastN=K (video of at most K participants). Click a
// participant to put them in the spotlight (on stage, full size; the others become thumbnails).
import { Junction } from '/sdk/junction-client.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
window.junctionState = { joined: false, endpointId: null, error: null };

let localStream = null;
let room = null;

async function startPreview() {
  if (params.get('publish') === '0') {
    localStream = null;
    $('preview-empty').textContent = 'Viewer mode: you will join without camera and microphone';
    return;
  }
  try {
    const [w, h] = (params.get('camera') || '1280x720').split('x').map(Number);
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: w || 1280, height: h || 720 } });
    $('preview').srcObject = localStream;
    $('preview-empty').hidden = true;
  } catch (err) {
    localStream = null;
    $('preview-empty').textContent = 'No camera or microphone: you will join receive-only';
  }
}

function showError(message) {
  window.junctionState.error = message;
  const el = $('join-error');
  el.textContent = message;
  el.hidden = false;
}

function tileFor(endpointId, displayName) {
  let tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
  if (tile) return tile;
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
  placeholder.textContent = (displayName || '?').trim().charAt(0).toUpperCase() || '?';
  const label = document.createElement('div');
  label.className = 'label';
  label.textContent = displayName || 'Guest';
  tile.append(video, audio, placeholder, label);
  tile.title = 'Click to spotlight';
  tile.addEventListener('click', () => toggleSpotlight(endpointId));
  $('grid').append(tile);
  updateCount();
  return tile;
}

/** Receiver constraints from the URL (maxHeight, lastN) plus the spotlight. */
let spotlight = null;
function urlConstraints() {
  const num = (k) => (params.get(k) != null && params.get(k) !== '' && !isNaN(+params.get(k)) ? +params.get(k) : null);
  return { maxHeight: num('maxHeight'), lastN: num('lastN'), onStage: spotlight ? [spotlight] : [] };
}

function toggleSpotlight(endpointId) {
  spotlight = spotlight === endpointId ? null : endpointId;
  for (const t of document.querySelectorAll('.tile.remote')) t.classList.toggle('spotlight', t.dataset.endpointId === spotlight);
  $('grid').classList.toggle('has-spotlight', !!spotlight);
  window.junctionState.spotlight = spotlight;
  if (room) room.setConstraints(urlConstraints());
}

function removeTile(endpointId) {
  if (spotlight === endpointId) toggleSpotlight(endpointId);
  const tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
  if (tile) tile.remove();
  updateCount();
}

function updateCount() {
  const n = document.querySelectorAll('.tile').length;
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

async function join(roomName, displayName) {
  $('join-button').disabled = true;
  $('join-error').hidden = true;
  // An open-rooms join; the SDK calls it again to rejoin when the bridge has lost us (restart, network).
  const openRoomJoin = async () => {
    const resp = await fetch(`/v1/rooms/${encodeURIComponent(roomName)}/join`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ displayName: displayName || null }),
    });
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error((body.error && body.error.message) || `join failed (HTTP ${resp.status})`);
    return body;
  };
  let joinInfo;
  try {
    joinInfo = await openRoomJoin();
  } catch (err) {
    showError(err.message);
    $('join-button').disabled = false;
    return;
  }
  $('join-card').hidden = true;
  $('call').hidden = false;
  $('room-info').hidden = false;
  $('room-title').textContent = roomName;
  $('local-name').textContent = displayName || 'You';
  $('local-video').srcObject = localStream;
  if (!localStream) {
    $('notice').textContent = 'Receive-only: no camera or microphone available.';
    $('notice').hidden = false;
  }
  const names = new Map();
  try {
    room = await Junction.join({ signalingUrl: joinInfo.signalingUrl, localStream, constraints: urlConstraints(),
                                 rejoin: async () => (await openRoomJoin()).signalingUrl });
  } catch (err) {
    showError(err.message);
    return;
  }
  window.junctionRoom = room;
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
  room.on('participantJoined', ({ endpointId, displayName: n }) => { names.set(endpointId, n); tileFor(endpointId, n); });
  room.on('participantLeft', ({ endpointId }) => removeTile(endpointId));
  const showMute = ({ endpointId, audioMuted, videoMuted }) => {
    const tile = tileFor(endpointId, names.get(endpointId));
    tile.classList.toggle('audio-muted', audioMuted);
    tile.classList.toggle('video-muted', videoMuted);
  };
  room.on('participantJoined', showMute);
  room.on('participantUpdated', showMute);
  const showTrack = ({ endpointId, kind, stream }) => {
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
  };
  room.on('track', showTrack);
  room.on('trackEnded', ({ endpointId, kind }) => {
    const tile = document.querySelector(`.tile[data-endpoint-id="${CSS.escape(endpointId)}"]`);
    if (!tile) return;
    if (kind === 'video') { tile.querySelector('video').srcObject = null; tile.classList.remove('has-video'); }
    else tile.querySelector('audio').srcObject = null;
  });
  room.on('connectionState', setStatus);
  const showSpeaker = (endpointId) => {
    window.junctionState.dominantSpeaker = endpointId;
    for (const t of document.querySelectorAll('.tile.remote')) t.classList.toggle('speaking', t.dataset.endpointId === endpointId);
  };
  room.on('dominantSpeaker', ({ endpointId }) => showSpeaker(endpointId));
  room.on('error', ({ code, message }) => console.warn('junction error', code, message));
  room.on('left', ({ reason }) => {
    window.junctionState.joined = false;
    setStatus('closed');
    $('notice').textContent = reason === 'left' ? 'You left the room.' : `Disconnected (${reason}).`;
    $('notice').hidden = false;
  });
  // (participants, tracks and the dominant speaker announced before these handlers are replayed to them)
  setStatus(room.pc.connectionState);
  window.junctionState.joined = true;
  window.junctionState.endpointId = room.endpointId;
  const url = new URL(location.href);
  url.searchParams.set('room', roomName);
  url.searchParams.delete('autojoin');
  url.searchParams.delete('name');
  history.replaceState(null, '', url);
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  join($('room').value.trim(), $('name').value.trim());
});

$('toggle-audio').addEventListener('click', () => {
  const btn = $('toggle-audio');
  const off = !btn.classList.contains('off');
  btn.classList.toggle('off', off);
  btn.textContent = off ? 'Mic off' : 'Mic on';
  if (room) room.setAudioEnabled(!off);
});

$('toggle-video').addEventListener('click', () => {
  const btn = $('toggle-video');
  const off = !btn.classList.contains('off');
  btn.classList.toggle('off', off);
  btn.textContent = off ? 'Camera off' : 'Camera on';
  if (room) room.setVideoEnabled(!off);
});

$('leave').addEventListener('click', () => { if (room) room.leave(); });

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
  await startPreview();
  if (params.get('autojoin') === '1' && $('room').value) join($('room').value.trim(), $('name').value.trim());
})();
