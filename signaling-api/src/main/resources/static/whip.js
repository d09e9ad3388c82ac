// WHIP publisher (RFC 9725) with plain fetch + RTCPeerConnection: POST the offer (all candidates
// gathered first: the bridge takes no trickle), apply the answer, DELETE the Location to stop.
// window.whipState is read by the browser tests.
import { gathered, iceServersFrom } from '/wish.js';
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
  pc.addEventListener('connectionstatechange', () => {
    state.connection = pc.connectionState;
    if (pc.connectionState === 'connected') status('Publishing to room ' + room + '.');
    if (pc.connectionState === 'failed') status('The connection failed.');
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const url = '/v1/whip/' + encodeURIComponent(room) + '?name=' + encodeURIComponent(name || 'WHIP');
  window.junctionWhipOffer = pc.localDescription.sdp;
  const r = await fetch(url, { method: 'POST', headers, body: pc.localDescription.sdp });
  const body = await r.text();
  if (r.status !== 201) throw new Error('HTTP ' + r.status + ': ' + body.trim());
  state.resource = new URL(r.headers.get('Location'), location.href).href;
  state.iceServers = iceServersFrom(r);
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  state.publishing = true;
  status('Connecting…');
}

async function stop() {
  if (state.resource) {
    await fetch(state.resource, { method: 'DELETE' }).catch(() => {});
  }
  if (pc) pc.close();
  if (stream) stream.getTracks().forEach((t) => t.stop());
  pc = null;
  state.publishing = false;
  state.resource = null;
  $('start').disabled = false;
  $('stop').disabled = true;
  status('Not publishing.');
}

$('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('start').disabled = true;
  try {
    await publish($('room').value, $('name').value, $('token').value.trim());
    $('stop').disabled = false;
  } catch (err) {
    state.error = String(err.message || err);
    status('Could not publish: ' + state.error);
    $('start').disabled = false;
  }
});
$('stop').addEventListener('click', stop);
window.whipStop = stop;

const params = new URLSearchParams(location.search);
if (params.get('room')) $('room').value = params.get('room');
if (params.get('name')) $('name').value = params.get('name');
if (params.get('token')) $('token').value = params.get('token');
if (params.get('autostart') === '1') $('form').requestSubmit();
