// WHEP player with plain fetch + RTCPeerConnection: a receive-only offer (one audio, one video
// m-line) POSTed with all candidates gathered (the bridge takes no trickle), the answer applied,
// DELETE on the Location to stop. The bridge sends the room's stage on these two tracks and moves
// them when the stage changes. window.whepState and window.whepStats() are read by the browser tests.
import { endSession, offerTo, reportConnection, wireForm } from '/wish.js';
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
  reportConnection(pc, status, 'Watching room ' + room + '.');
  const url = '/v1/whep/' + encodeURIComponent(room) + (endpoint ? '?endpoint=' + encodeURIComponent(endpoint) : '');
  window.junctionWhepOffer = await offerTo(pc, url, token, state);
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
  await endSession(state, pc);
  pc = null;
  state.watching = false;
  document.getElementById('start').disabled = false;
  document.getElementById('stop').disabled = true;
  status('Not watching.');
}

window.whepStop = stop;
wireForm({ state, stop, status, verb: 'watch', params: ['endpoint'],
  start: () => watch($('room').value, $('endpoint').value.trim(), $('token').value.trim()) });
