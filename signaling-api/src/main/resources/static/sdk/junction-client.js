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
 *   room.on('reconnecting', ({ reason, attempt }) => …); // the bridge lost us; rejoining (needs `rejoin`)
 *   room.on('reconnected', ({ endpointId }) => …);       // back in the conference, as a new endpoint
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
 * Rejoining: pass `rejoin: async () => signalingUrl` (a fresh join from your backend, or the open-rooms
 * API) and the same Room rejoins by itself when the bridge loses this participant: the signaling
 * socket drops without a goodbye (the bridge was killed or the network went), or the bridge says
 * `bye` with `shutdown`, `expired`, `ice-failed` or `dtls-failed`. Remote participants and tracks end
 * at the loss (participantLeft with reason 'disconnected', trackEnded) and come back from the new
 * welcome; local tracks are published again on a new RTCPeerConnection (room.pc changes). Attempts
 * back off from 0.5 s to 5 s and stop after `rejoinTimeoutMs` (default 120 s) with 'left'.
 * Protocol: docs/signaling.md. No dependencies, no build step.
 */

const PING_INTERVAL_MS = 10000;
/** Bye reasons after which a Room with `rejoin` joins again (the others are meant: left, removed, ended). */
const REJOIN_REASONS = new Set(['disconnected', 'shutdown', 'expired', 'ice-failed', 'dtls-failed']);
const REJOIN_BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
/** Per simulcast layer, lowest first: resolution divisor and bitrate cap (bit/s). */
const SIMULCAST_SCALE = [4, 2, 1];
const SIMULCAST_MAX_BITRATES = [150000, 500000, 1700000];

class Room {
  constructor(localStream, options) {
    this.ws = null;
    this.localStream = localStream || null;
    this.endpointId = null;
    this.conferenceId = null;
    this.displayName = null;
    this.participants = new Map();
    this.revision = 0;
    this.pc = null;
    this._handlers = new Map();
    this._queue = Promise.resolve();
    this._closed = false;
    this._rejoin = (options && options.rejoin) || null;
    this._rejoinTimeoutMs = (options && options.rejoinTimeoutMs) || 120000;
    this.dominantSpeaker = null;
    this.constraints = {};
    /** Every error seen, oldest first (also emitted as 'error' events). */
    this.errors = [];
    this._newPeerConnection();
    this._lastHeardAt = Date.now();
    this._ping = setInterval(() => this._keepAlive(), PING_INTERVAL_MS);
  }

  /**
   * Pings the bridge; a socket that has heard nothing for three intervals is dead (a bridge machine
   * that vanished sends no FIN) and is closed, which counts as a loss.
   */
  _keepAlive() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this._lastHeardAt > 3 * PING_INTERVAL_MS) {
      try { ws.close(4000, 'no answer'); } catch (e) { /* already closing */ }
      this._socketGone(ws, 'signaling silent', 'disconnected');
      return;
    }
    this._send({ type: 'ping', ts: Date.now() });
  }

  /** A fresh RTCPeerConnection and the per-connection state (first join, and each rejoin). */
  _newPeerConnection() {
    if (this.pc) { try { this.pc.close(); } catch (e) { /* already closed */ } }
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] });
    this._midInfo = new Map();      // mid → {endpointId, kind}
    this._midTracks = new Map();    // mid → {track, stream}
    this._seenMids = null;
    this._published = { audio: false, video: false };
    this._simulcastSet = false;
    this._publishVideoMid = null;
    this.revision = 0;
    const pc = this.pc;
    pc.ontrack = (e) => { if (pc === this.pc) this._onTrack(e); };
    pc.onconnectionstatechange = () => { if (pc === this.pc) this._emit('connectionState', pc.connectionState); };
  }

  /**
   * Opens the signaling socket at {@code url}; resolves when the first offer is answered, rejects
   * if the socket closes before. Later closes go to _onSocketClosed.
   */
  _connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      this._pendingJoin = reject;
      ws.onopen = () => { this.signalingOpenedAt = performance.now(); this._lastHeardAt = Date.now(); };
      ws.onmessage = (ev) => {
        if (ws !== this.ws) return;
        this._lastHeardAt = Date.now();
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        this._onMessage(msg);
        if (msg.type === 'offer' && this._pendingJoin === reject) {
          this._queue.then(() => {
            if (this._pendingJoin === reject) { this._pendingJoin = null; resolve(this); }
          });
        }
      };
      ws.onclose = (ev) => {
        this._socketGone(ws, 'signaling closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')',
          this._byeReason || (ev.code === 1000 && ev.reason ? ev.reason : 'disconnected'));
      };
      ws.onerror = () => { /* onclose follows */ };
    });
  }

  /**
   * The socket {@code ws} is gone (closed, or silent too long): a join in progress fails with
   * {@code joinError}; a joined room leaves or rejoins for {@code reason}.
   */
  _socketGone(ws, joinError, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this._pendingJoin) {
      const reject = this._pendingJoin;
      this._pendingJoin = null;
      this._byeReason = null;
      reject(new Error(joinError));
      return;
    }
    this._onSocketClosed(reason);
  }

  /** The socket of a joined room closed: rejoin when the loss is one to come back from, else leave. */
  _onSocketClosed(reason) {
    this._byeReason = null;
    if (this._closed) return;
    if (!this._rejoin || !REJOIN_REASONS.has(reason)) {
      this._close(reason);
      return;
    }
    this._lost(reason);
    this._rejoinLoop(reason);
  }

  /** Everyone and everything remote ends at the loss; they come back from the next welcome. */
  _lost(reason) {
    for (const [mid, info] of this._midInfo) {
      if (this._midTracks.has(mid)) this._emit('trackEnded', { endpointId: info.endpointId, kind: info.kind, mid });
    }
    this._midInfo = new Map();
    this._midTracks = new Map();
    for (const id of [...this.participants.keys()]) {
      this.participants.delete(id);
      this._emit('participantLeft', { endpointId: id, reason: 'disconnected' });
    }
    this.dominantSpeaker = null;
    try { this.pc.close(); } catch (e) { /* already closed */ }
    this._emit('connectionState', 'disconnected');
  }

  async _rejoinLoop(reason) {
    const deadline = Date.now() + this._rejoinTimeoutMs;
    for (let attempt = 1; !this._closed; attempt++) {
      const wait = REJOIN_BACKOFF_MS[Math.min(attempt - 1, REJOIN_BACKOFF_MS.length - 1)];
      if (Date.now() + wait > deadline) break;
      this._emit('reconnecting', { reason, attempt });
      await new Promise((r) => setTimeout(r, wait * (0.8 + 0.4 * Math.random())));
      if (this._closed) return;
      try {
        const url = await this._rejoin();
        this._newPeerConnection();
        this._queue = Promise.resolve();
        await this._connect(url);
        this._emit('reconnected', { endpointId: this.endpointId });
        return;
      } catch (err) {
        this._emit('error', { code: 'rejoin-failed', message: String(err && err.message || err) });
      }
    }
    this._close(reason);
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
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
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
        // the socket closes next; _onSocketClosed decides between leaving and rejoining
        this._byeReason = msg.reason || 'removed';
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
    try { if (this.ws) this.ws.close(1000, reason); } catch (e) { /* already closed */ }
    this._emit('left', { reason });
  }
}

export const Junction = {
  /**
   * Opens the signaling WebSocket and resolves with a Room once the first offer is answered.
   * @param {{signalingUrl: string, localStream?: MediaStream, constraints?: object,
   *          rejoin?: () => Promise<string>, rejoinTimeoutMs?: number}} options
   *   constraints: as for room.setConstraints, sent as soon as the bridge welcomes the participant;
   *   rejoin: returns a fresh signalingUrl when the bridge has lost this participant (see above)
   * @returns {Promise<Room>}
   */
  join({ signalingUrl, localStream, constraints, rejoin, rejoinTimeoutMs }) {
    const room = new Room(localStream, { rejoin, rejoinTimeoutMs });
    if (constraints) room.constraints = {
      maxHeight: constraints.maxHeight != null ? constraints.maxHeight : null,
      lastN: constraints.lastN != null ? constraints.lastN : null,
      onStage: constraints.onStage || [],
    };
    return room._connect(signalingUrl).catch((err) => {
      room._close('disconnected');
      throw err;
    });
  },
};

export default Junction;
