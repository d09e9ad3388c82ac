// Shared by the WHIP publisher (whip.js) and the WHEP player (watch.js): both send their offer with
// every candidate gathered (the bridge takes no trickle ICE) and read TURN servers from the answer.

// Offers on pc: sets the local description, waits for the candidates, POSTs the offer to url
// (Bearer token when given), applies the answer. The session resource and TURN servers go to state;
// state.connection follows the peer connection. Returns the offer that was sent.
export async function offerTo(pc, url, token, state) {
  pc.addEventListener('connectionstatechange', () => { state.connection = pc.connectionState; });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(url, { method: 'POST', headers, body: pc.localDescription.sdp });
  const body = await r.text();
  if (r.status !== 201) throw new Error('HTTP ' + r.status + ': ' + body.trim());
  state.resource = new URL(r.headers.get('Location'), location.href).href;
  state.iceServers = iceServersFrom(r);
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  return pc.localDescription.sdp;
}

// Shows connected/failed in the status line as the peer connection goes.
export function reportConnection(pc, status, connectedText) {
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') status(connectedText);
    if (pc.connectionState === 'failed') status('The connection failed.');
  });
}

// Resolves when candidate gathering completes, or after 3 s with what was gathered by then.
export async function gathered(peer) {
  if (peer.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const done = () => { if (peer.iceGatheringState === 'complete') resolve(); };
    peer.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 3000);
  });
}

// TURN servers from the answer's Link headers (rel="ice-server", RFC 9725 §4.6).
export function iceServersFrom(response) {
  const links = (response.headers.get('Link') || '').split(/,\s*(?=<)/).filter((l) => /rel="ice-server"/.test(l));
  return links.map((l) => {
    const url = /<([^>]+)>/.exec(l)[1];
    const attr = (k) => { const m = new RegExp(k + '="([^"]*)"').exec(l); return m ? m[1] : undefined; };
    return { urls: url, username: attr('username'), credential: attr('credential') };
  });
}

// Ends a session: DELETE on its resource (state.resource), then closes the peer connection.
export async function endSession(state, pc) {
  if (state.resource) {
    await fetch(state.resource, { method: 'DELETE' }).catch(() => {});
  }
  if (pc) pc.close();
  state.resource = null;
}

// Wires the page's form: Start runs start() (failures go to state.error and the status line as
// "Could not <verb>: …"), Stop runs stop(); ?room=, ?token= and the given extra query parameters fill
// the inputs of the same id, and ?autostart=1 submits at once.
export function wireForm({ state, start, stop, status, verb, params }) {
  const $ = (id) => document.getElementById(id);
  $('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('start').disabled = true;
    try {
      await start();
      $('stop').disabled = false;
    } catch (err) {
      state.error = String(err.message || err);
      status('Could not ' + verb + ': ' + state.error);
      $('start').disabled = false;
    }
  });
  $('stop').addEventListener('click', stop);
  const query = new URLSearchParams(location.search);
  for (const p of ['room', 'token', ...params]) {
    if (query.get(p)) $(p).value = query.get(p);
  }
  if (query.get('autostart') === '1') $('form').requestSubmit();
}
