// WHIP publisher (RFC 9725) with plain fetch + RTCPeerConnection: POST the offer (all candidates
// gathered first: the bridge takes no trickle), apply the answer, DELETE the Location to stop.
// window.whipState is read by the browser tests.
import { endSession, offerTo, reportConnection, wireForm } from '/wish.js';
const $ = (id) => document.getElementById(id);
const state = (window.whipState = { publishing: false, resource: null, error: null, connection: 'new' });
let pc = null;
let stream = null;

function status(text) {
  $('status').textContent = text;
}

async function publish(room, name, token) {
  stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
  $('preview').srcObject = stream;
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  for (const track of stream.getTracks()) {
    pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  }
  reportConnection(pc, status, 'Publishing to room ' + room + '.');
  const url = '/v1/whip/' + encodeURIComponent(room) + '?name=' + encodeURIComponent(name || 'WHIP');
  window.junctionWhipOffer = await offerTo(pc, url, token, state);
  state.publishing = true;
  status('Connecting…');
}

async function stop() {
  await endSession(state, pc);
  if (stream) stream.getTracks().forEach((t) => t.stop());
  pc = null;
  state.publishing = false;
  document.getElementById('start').disabled = false;
  document.getElementById('stop').disabled = true;
  status('Not publishing.');
}

window.whipStop = stop;
wireForm({ state, stop, status, verb: 'publish', params: ['name'],
  start: () => publish($('room').value, $('name').value, $('token').value.trim()) });
