// WHEP player with plain fetch + RTCPeerConnection: a receive-only offer (one audio, one video
// m-line) POSTed with all candidates gathered (the bridge takes no trickle), the answer applied,
// DELETE on the Location to stop. The bridge sends the room's stage on these two tracks and moves
// them when the stage changes. window.whepState and window.whepStats() are read by the browser tests.
import { gathered, iceServersFrom } from '/wish.js';
const $ = (id) => document.getElementById(id);
const state = (window.whepState = { watching: false, resource: null, error: null, connection: 'new' });
let pc = null;

function status(text) {
  $('status').textContent = text;
}

async function watch(room, endpoint, token) {
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addTransceiver('video', { direction: 'recvonly' });
  const stream = new MediaStream();
  $('player').srcObject = stream;
  pc.addEventListener('track', (e) => stream.addTrack(e.track));
  pc.addEventListener('connectionstatechange', () => {
    state.connection = pc.connectionState;
    if (pc.connectionState === 'connected') status('Watching room ' + room + '.');
    if (pc.connectionState === 'failed') status('The connection failed.');
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const url = '/v1/whep/' + encodeURIComponent(room) + (endpoint ? '?endpoint=' + encodeURIComponent(endpoint) : '');
  window.junctionWhepOffer = pc.localDescription.sdp;
  const r = await fetch(url, { method: 'POST', headers, body: pc.localDescription.sdp });
  const body = await r.text();
  if (r.status !== 201) throw new Error('HTTP ' + r.status + ': ' + body.trim());
  state.resource = new URL(r.headers.get('Location'), location.href).href;
  state.iceServers = iceServersFrom(r);
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  state.watching = true;
  status('Connecting…');
}

// What the player receives now: decoded video frames and size, audio packets.
window.whepStats = async () => {
  const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPackets: 0, freezeCount: 0 };
  if (!pc) return out;
  (await pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') {
      out.framesDecoded = s.framesDecoded || 0;
      out.frameWidth = s.frameWidth || 0;
      out.frameHeight = s.frameHeight || 0;
      out.freezeCount = s.freezeCount || 0;
    } else if (s.kind === 'audio') {
      out.audioPackets = s.packetsReceived || 0;
    }
  });
  return out;
};

async function stop() {
  if (state.resource) {
    await fetch(state.resource, { method: 'DELETE' }).catch(() => {});
  }
  if (pc) pc.close();
  pc = null;
  state.watching = false;
  state.resource = null;
  $('start').disabled = false;
  $('stop').disabled = true;
  status('Not watching.');
}

$('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('start').disabled = true;
  try {
    await watch($('room').value, $('endpoint').value.trim(), $('token').value.trim());
    $('stop').disabled = false;
  } catch (err) {
    state.error = String(err.message || err);
    status('Could not watch: ' + state.error);
    $('start').disabled = false;
  }
});
$('stop').addEventListener('click', stop);
window.whepStop = stop;

const params = new URLSearchParams(location.search);
if (params.get('room')) $('room').value = params.get('room');
if (params.get('endpoint')) $('endpoint').value = params.get('endpoint');
if (params.get('token')) $('token').value = params.get('token');
if (params.get('autostart') === '1') $('form').requestSubmit();
