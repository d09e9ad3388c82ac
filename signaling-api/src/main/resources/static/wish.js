// Shared by the WHIP publisher (whip.js) and the WHEP player (watch.js): both send their offer with
// every candidate gathered (the bridge takes no trickle ICE) and read TURN servers from the answer.

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
