// A microphone level bar, shared by the call page's preview and the connection check.

/**
 * Fills {@code el}'s first child with the peak level of {@code stream}'s audio track, once a frame,
 * and shows {@code el}. Returns a function that stops it (and closes its AudioContext).
 */
export function levelMeter(stream, el) {
  const track = stream && stream.getAudioTracks()[0];
  if (!track || !window.AudioContext) return () => {};
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  let on = true;
  el.hidden = false;
  const tick = () => {
    if (!on) return;
    analyser.getByteTimeDomainData(data);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
    el.firstElementChild.style.width = Math.min(100, (peak / 64) * 100) + '%';
    requestAnimationFrame(tick);
  };
  tick();
  return () => {
    if (on) { on = false; ctx.close(); }
  };
}
