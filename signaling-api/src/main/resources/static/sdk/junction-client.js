/**
 * Junction client SDK — one RTCPeerConnection per participant, the bridge always offers.
 *
 *   import { Junction } from '/sdk/junction-client.js';
 *   const room = await Junction.join({ signalingUrl, localStream });
 *   room.on('track', ({ endpointId, kind, track, stream, mid }) => …);
 *   room.on('trackEnded', ({ endpointId, kind, mid }) => …);
 *   room.on('participantJoined', ({ endpointId, displayName }) => …);
 *   room.on('participantLeft', ({ endpointId, reason }) => …);
 *   room.on('connectionState', (state) => …);   // RTCPeerConnection.connectionState
 *   room.on('error', ({ code, message }) => …);
 *   room.on('left', ({ reason }) => …);
 *   room.on('dominantSpeaker', ({ endpointId }) => …);   // who speaks now (from audio levels)
 *   (the bridge's 'layers' messages pause and resume the camera's simulcast layers nobody watches)
 *   room.setAudioEnabled(false); room.setVideoEnabled(false);
 *   room.setConstraints({ maxHeight: 360, lastN: 4, onStage: [endpointId] });   // what to receive
 *   await room.getStats(); room.leave();
 *
 * Room properties: endpointId, conferenceId, displayName, participants (Map endpointId →
 * {endpointId, displayName}), pc (the RTCPeerConnection), revision (last answered offer),
 * signalingOpenedAt (performance.now() when the WebSocket opened), errors (every error seen),
 * dominantSpeaker (endpoint id or null), constraints (the last ones sent).
 *
 * Simulcast: when the bridge's offer asks for simulcast layers (a=simulcast:recv), the camera is sent
 * as three encodings, lowest first: 1/4, 1/2 and full resolution at most SIMULCAST_MAX_BITRATES.
 * Protocol: docs/signaling.md. No dependencies, no build step.
 */

const PING_INTERVAL_MS = 10000;
/** Per simulcast layer, lowest first: resolution divisor and bitrate cap (bit/s). */
const SIMULCAST_SCALE = [4, 2, 1];
const SIMULCAST_MAX_BITRATES = [150000, 500000, 1700000];

class Room {
  constructor(ws, localStream) {
    this.ws = ws;
    this.localStream = localStream || null;
    this.endpointId = null;
    this.conferenceId = null;
    this.displayName = null;
    this.participants = new Map();
    this.revision = 0;
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] });
    this._handlers = new Map();
    this._midInfo = new Map();      // mid → {endpointId, kind}
    this._midTracks = new Map();    // mid → {track, stream}
    this._queue = Promise.resolve();
    this._closed = false;
    this._published = { audio: false, video: false };
    this._simulcastSet = false;
    this.dominantSpeaker = null;
    this.constraints = {};
    /** Every error seen, oldest first (also emitted as 'error' events). */
    this.errors = [];
    this.pc.ontrack = (e) => this._onTrack(e);
    this.pc.onconnectionstatechange = () => this._emit('connectionState', this.pc.connectionState);
    this._ping = setInterval(() => this._send({ type: 'ping', ts: Date.now() }), PING_INTERVAL_MS);
  }

  on(event, fn) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    const set = this._handlers.get(event);
    if (set) set.delete(fn);
    return this;
  }

  _emit(event, payload) {
    if (event === 'error') this.errors.push(payload);
    const set = this._handlers.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try { fn(payload); } catch (err) { console.error('junction handler for', event, 'failed', err); }
    }
  }

  _send(msg) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  _onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        this.endpointId = msg.endpointId;
        this.conferenceId = msg.conferenceId;
        this.displayName = msg.displayName;
        for (const p of msg.participants || []) {
          this.participants.set(p.endpointId, p);
          this._emit('participantJoined', p);
        }
        if (msg.dominantSpeaker) {
          this.dominantSpeaker = msg.dominantSpeaker;
          this._emit('dominantSpeaker', { endpointId: msg.dominantSpeaker });
        }
        if (Object.keys(this.constraints).length) this._sendConstraints();
        break;
      case 'layers':
        // which of our simulcast layers anyone watches: stop encoding the others
        this._layerWish = msg.active || {};
        this._queue = this._queue.then(() => this._applyLayers()).catch(() => {});
        break;
      case 'dominantSpeaker':
        this.dominantSpeaker = msg.endpointId;
        this._emit('dominantSpeaker', { endpointId: msg.endpointId });
        break;
      case 'offer':
        // Offers are handled strictly one after another.
        this._queue = this._queue.then(() => this._onOffer(msg)).catch((err) => {
          this._emit('error', { code: 'client-offer-failed', message: String(err && err.message || err) });
        });
        break;
      case 'participantJoined':
        this.participants.set(msg.endpointId, { endpointId: msg.endpointId, displayName: msg.displayName });
        this._emit('participantJoined', { endpointId: msg.endpointId, displayName: msg.displayName });
        break;
      case 'participantLeft':
        this.participants.delete(msg.endpointId);
        this._emit('participantLeft', { endpointId: msg.endpointId, reason: msg.reason });
        break;
      case 'error':
        this._emit('error', { code: msg.code, message: msg.message });
        break;
      case 'bye':
        this._close(msg.reason || 'removed');
        break;
      case 'pong':
        break;
      default:
        break;
    }
  }

  async _onOffer(msg) {
    if (this._closed) return;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    for (const t of this.pc.getTransceivers()) {
      const kind = t.mid === msg.publish.audio ? 'audio' : t.mid === msg.publish.video ? 'video' : null;
      if (!kind) continue;
      const track = this.localStream && this.localStream.getTracks().find((x) => x.kind === kind);
      if (track) {
        t.direction = 'sendonly';
        if (!this._published[kind]) {
          await t.sender.replaceTrack(track);
          t.sender.setStreams && t.sender.setStreams(this.localStream);
          this._published[kind] = true;
        }
      } else {
        t.direction = 'inactive';
      }
    }
    this._applyTrackList(msg.tracks || []);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this._configureSimulcast(msg);
    this.revision = msg.revision;
    this._send({ type: 'answer', revision: msg.revision, sdp: this.pc.localDescription.sdp });
  }

  /** Once: resolution and bitrate per simulcast layer of the camera (the offer decides the layers). */
  async _configureSimulcast(msg) {
    this._publishVideoMid = msg.publish.video;
    if (this._simulcastSet || !this._published.video) return;
    const t = this.pc.getTransceivers().find((x) => x.mid === msg.publish.video);
    if (!t) return;
    const params = t.sender.getParameters();
    const n = (params.encodings || []).length;
    if (n < 2) return;
    params.encodings.forEach((e, i) => {
      const k = SIMULCAST_SCALE.length - n + i; // the last encoding is full resolution
      e.scaleResolutionDownBy = SIMULCAST_SCALE[Math.max(0, k)];
      e.maxBitrate = SIMULCAST_MAX_BITRATES[Math.max(0, k)];
      e.active = !(this._layerWish && this._layerWish[e.rid] === false);
    });
    try {
      await t.sender.setParameters(params);
      this._simulcastSet = true;
    } catch (err) {
      this._emit('error', { code: 'client-simulcast-failed', message: String(err && err.message || err) });
    }
  }

  /** Applies the bridge's last 'layers' message to the camera's simulcast encodings. */
  async _applyLayers() {
    if (!this._simulcastSet || !this._layerWish || !this._publishVideoMid) return;
    const t = this.pc.getTransceivers().find((x) => x.mid === this._publishVideoMid);
    if (!t) return;
    const params = t.sender.getParameters();
    let changed = false;
    for (const e of params.encodings || []) {
      const want = this._layerWish[e.rid];
      if (typeof want === 'boolean' && e.active !== want) { e.active = want; changed = true; }
    }
    if (changed) await t.sender.setParameters(params);
  }

  /**
   * What this participant wants to receive; each call replaces the previous constraints.
   * @param {{maxHeight?: number|null, lastN?: number|null, onStage?: string[]}} c
   *   maxHeight: tallest video wanted (e.g. 180, 360, 720); lastN: video of at most this many
   *   participants (the most recent speakers and those on stage); onStage: participants shown large.
   */
  setConstraints(c) {
    this.constraints = {
      maxHeight: c && c.maxHeight != null ? c.maxHeight : null,
      lastN: c && c.lastN != null ? c.lastN : null,
      onStage: (c && c.onStage) || [],
    };
    this._sendConstraints();
  }

  _sendConstraints() {
    this._send({ type: 'constraints', ...this.constraints });
  }

  _applyTrackList(tracks) {
    const next = new Map(tracks.map((t) => [t.mid, { endpointId: t.endpointId, kind: t.kind }]));
    for (const [mid, info] of this._midInfo) {
      const now = next.get(mid);
      if (!now || now.endpointId !== info.endpointId) {
        this._midTracks.delete(mid);
        this._emit('trackEnded', { endpointId: info.endpointId, kind: info.kind, mid });
      }
    }
    const previous = this._midInfo;
    this._midInfo = next;
    // A reused m-line keeps its receiver track: announce it for the new endpoint.
    for (const [mid, info] of next) {
      const before = previous.get(mid);
      if (before && before.endpointId === info.endpointId) continue;
      const t = this.pc.getTransceivers().find((x) => x.mid === mid);
      if (t && t.receiver && t.receiver.track && this._seenMids && this._seenMids.has(mid)) {
        this._announce(mid, t.receiver.track);
      }
    }
  }

  _onTrack(e) {
    const mid = e.transceiver && e.transceiver.mid;
    if (!mid) return;
    this._seenMids = this._seenMids || new Set();
    this._seenMids.add(mid);
    if (this._midInfo.has(mid)) this._announce(mid, e.track);
  }

  _announce(mid, track) {
    const info = this._midInfo.get(mid);
    if (!info) return;
    const stream = new MediaStream([track]);
    this._midTracks.set(mid, { track, stream });
    this._emit('track', { endpointId: info.endpointId, kind: info.kind, track, stream, mid });
  }

  /** The tracks currently received, as [{mid, endpointId, kind, track}]. */
  remoteTracks() {
    const out = [];
    for (const [mid, info] of this._midInfo) {
      const t = this._midTracks.get(mid);
      if (t) out.push({ mid, endpointId: info.endpointId, kind: info.kind, track: t.track });
    }
    return out;
  }

  setAudioEnabled(enabled) { this._setEnabled('audio', enabled); }

  setVideoEnabled(enabled) { this._setEnabled('video', enabled); }

  _setEnabled(kind, enabled) {
    if (!this.localStream) return;
    for (const t of this.localStream.getTracks()) if (t.kind === kind) t.enabled = !!enabled;
  }

  getStats() { return this.pc.getStats(); }

  leave() {
    this._send({ type: 'leave' });
    this._close('left');
  }

  _close(reason) {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this._ping);
    try { this.pc.close(); } catch (e) { /* already closed */ }
    try { this.ws.close(1000, reason); } catch (e) { /* already closed */ }
    this._emit('left', { reason });
  }
}

export const Junction = {
  /**
   * Opens the signaling WebSocket and resolves with a Room once the first offer is answered.
   * @param {{signalingUrl: string, localStream?: MediaStream, constraints?: object}} options
   *   constraints: as for room.setConstraints, sent as soon as the bridge welcomes the participant
   * @returns {Promise<Room>}
   */
  join({ signalingUrl, localStream, constraints }) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(signalingUrl);
      const room = new Room(ws, localStream);
      if (constraints) room.constraints = {
        maxHeight: constraints.maxHeight != null ? constraints.maxHeight : null,
        lastN: constraints.lastN != null ? constraints.lastN : null,
        onStage: constraints.onStage || [],
      };
      let settled = false;
      ws.onopen = () => { room.signalingOpenedAt = performance.now(); };
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        room._onMessage(msg);
        if (msg.type === 'offer' && !settled) {
          room._queue.then(() => { if (!settled) { settled = true; resolve(room); } });
        }
      };
      ws.onclose = (ev) => {
        if (!settled) {
          settled = true;
          reject(new Error('signaling closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')'));
        }
        room._close(ev.reason || 'disconnected');
      };
      ws.onerror = () => { /* onclose follows */ };
    });
  },
};

export default Junction;
