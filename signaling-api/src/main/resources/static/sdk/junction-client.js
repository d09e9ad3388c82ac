/**
 * Junction client SDK — one RTCPeerConnection per participant, the bridge always offers.
 * An ES module without dependencies or a build step; types: junction-client.d.ts. Protocol:
 * docs/signaling.md.
 *
 *   import { Junction } from 'https://sfu.example.com/sdk/junction-client.js';
 *   const room = await Junction.join({ signalingUrl, localStream, on: { track: show } });
 *
 * Events (room.on(name, fn); room.off(name, fn)):
 *   'track'             {endpointId, kind, source, track, stream, mid}   a remote participant's track;
 *                       source: 'microphone', 'camera' or 'screen'
 *   'trackEnded'        {endpointId, kind, source, mid}
 *   'participantJoined' {endpointId, displayName, audioMuted, videoMuted}
 *   'participantUpdated'{endpointId, displayName, audioMuted, videoMuted}   it muted or unmuted
 *   'participantLeft'   {endpointId, reason}
 *   'dominantSpeaker'   {endpointId}                             who speaks now (audio levels)
 *   'connectionState'   RTCPeerConnection.connectionState
 *   'connectionQuality' {quality: 'good'|'fair'|'poor'|'lost', rttMs, lossPercent, availableOutgoingBitrate}
 *                       on every change of `quality` (the latest reading: room.connectionQuality)
 *   'error'             {code, message}
 *   'reconnecting'      {reason, attempt}    reason 'signaling': the socket dropped, reopening it (the
 *                                            endpoint and its media go on); else the bridge lost us and
 *                                            the room rejoins (needs `rejoin`)
 *   'reconnected'       {endpointId, resumed} back: the same endpoint (resumed) or a new one
 *   'left'              {reason}
 * State that exists when a handler is attached is replayed to it at once (a microtask later):
 * 'participantJoined' for everyone present, 'track' for every remote track, 'dominantSpeaker',
 * 'connectionState' and 'connectionQuality'. So handlers attached after `await Junction.join(…)`
 * miss nothing; `join({ on: {…} })` attaches them before the first message anyway.
 *
 * Methods: setAudioEnabled(bool), setVideoEnabled(bool) (mute; the others are told),
 * replaceTrack(track), switchDevice(kind, deviceId) (another microphone or camera, no renegotiation),
 * startScreenShare(track?) / stopScreenShare() (a second video source; the others get it first),
 * restartIce() (also automatic when ICE stays down),
 * setConstraints({maxHeight, lastN, onStage}) (what to receive), remoteTracks(), getStats(), leave().
 *
 * Room properties: endpointId, conferenceId, displayName, participants (Map endpointId →
 * {endpointId, displayName, audioMuted, videoMuted}), pc (the RTCPeerConnection), revision (last
 * answered offer), signalingOpenedAt (performance.now() when the WebSocket opened), errors (every
 * error seen), dominantSpeaker (endpoint id or null), constraints (the last ones sent), audioMuted,
 * videoMuted, connectionQuality.
 *
 * Joining fails (the promise rejects with a JoinError: code 'unauthorized' for a bad or expired
 * token, 'signaling-closed', or 'join-timeout' after `timeoutMs`, default 20 s) when the bridge
 * does not take the participant.
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
 */

const PING_INTERVAL_MS = 10000;
/** Bye reasons after which a Room with `rejoin` joins again (the others are meant: left, removed, ended). */
const REJOIN_REASONS = new Set(['disconnected', 'shutdown', 'expired', 'ice-failed', 'dtls-failed']);
const REJOIN_BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
/** Per simulcast layer, lowest first: resolution divisor and bitrate cap (bit/s). */
const SIMULCAST_SCALE = [4, 2, 1];
const SIMULCAST_MAX_BITRATES = [150000, 500000, 1700000];
/** The bitrate cap of a single scalable (SVC) encoding: all its spatial layers together. */
const SVC_MAX_BITRATE = 2500000;
/** The dependency descriptor header extension: with it the bridge selects AV1 layers per receiver. */
const DEPENDENCY_DESCRIPTOR_URI = 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension';
const JOIN_TIMEOUT_MS = 20000;
/**
 * A signaling socket that drops without a goodbye is reopened with the same URL for this long (the
 * bridge keeps the endpoint for signaling.reconnect-grace, 10 s by default; media goes on meanwhile).
 */
const RESUME_MS = 8000;
const QUALITY_INTERVAL_MS = 2000;
/** Events whose current state is replayed to a handler attached later. */
const REPLAYED = new Set(['participantJoined', 'track', 'dominantSpeaker', 'connectionState', 'connectionQuality']);

/** Why Junction.join failed: `code` is 'unauthorized', 'signaling-closed' or 'join-timeout'. */
export class JoinError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'JoinError';
    this.code = code;
  }
}

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
    /** Resolves when localStream is known (at once, unless join was given a promise of it). */
    this._streamReady = Promise.resolve();
    if (localStream && typeof localStream.then === 'function') {
      // still being opened (a camera starting): the socket and the bridge's offer need not wait;
      // answering does (everything queued behind it), and with it ICE
      this.localStream = null;
      this._streamReady = Promise.resolve(localStream).then((s) => { this.localStream = s || null; },
                                                             () => { this.localStream = null; });
      this._queue = this._streamReady;
    }
    this._closed = false;
    this._rejoin = (options && options.rejoin) || null;
    this._rejoinTimeoutMs = (options && options.rejoinTimeoutMs) || 120000;
    this._joinTimeoutMs = (options && options.timeoutMs) || JOIN_TIMEOUT_MS;
    this._iceTransportPolicy = (options && options.iceTransportPolicy) || 'all';
    /** The camera's codec ('vp8', 'vp9', 'h264'…) when the bridge offers it, else the bridge's choice. */
    this._codec = (options && options.codec) ? String(options.codec).toLowerCase() : null;
    /** One scalable encoding (SVC, e.g. 'L3T3_KEY') instead of simulcast, for codecs that have it (VP9, AV1). */
    this._scalabilityMode = (options && options.scalabilityMode) || null;
    /** The TURN servers the bridge handed out (welcome), empty when it has none. */
    this.iceServers = [];
    this.dominantSpeaker = null;
    this.constraints = {};
    /** Every error seen, oldest first (also emitted as 'error' events). */
    this.errors = [];
    this.audioMuted = false;
    this.videoMuted = false;
    this.connectionQuality = null;
    /** The screen share being sent, or null. */
    this.screenTrack = null;
    this._newPeerConnection();
    this._lastHeardAt = Date.now();
    this._ping = setInterval(() => this._keepAlive(), PING_INTERVAL_MS);
    this._onOnline = () => this.restartIce(); // back on a network (maybe another one)
    if (typeof window !== 'undefined') window.addEventListener('online', this._onOnline);
    this._quality = setInterval(() => this._sampleQuality(), QUALITY_INTERVAL_MS);
  }

  /**
   * Reads the peer connection's statistics: round-trip time of the selected candidate pair, the
   * loss of what we receive (since the last reading) and what the bridge reports of what we send.
   */
  async _sampleQuality() {
    const pc = this.pc;
    if (!pc || this._closed) return;
    let quality;
    let rttMs = null;
    let lossPercent = null;
    let available = null;
    // ICE down for two readings in a row (its path died: a network change, a NAT rebinding): restart it
    const ice = pc.iceConnectionState;
    this._iceDown = ice === 'disconnected' || ice === 'failed' ? this._iceDown + 1 : 0;
    if (this._iceDown >= 2) this.restartIce();
    if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected' || pc.connectionState === 'closed') {
      quality = 'lost';
    } else if (pc.connectionState !== 'connected') {
      return;
    } else {
      let stats;
      try { stats = await pc.getStats(); } catch (e) { return; }
      if (pc !== this.pc) return;
      let received = 0;
      let lost = 0;
      let remoteLoss = 0;
      stats.forEach((r) => {
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
          if (r.currentRoundTripTime != null) rttMs = r.currentRoundTripTime * 1000;
          if (r.availableOutgoingBitrate != null) available = r.availableOutgoingBitrate;
        } else if (r.type === 'inbound-rtp') {
          received += r.packetsReceived || 0;
          lost += Math.max(0, r.packetsLost || 0);
        } else if (r.type === 'remote-inbound-rtp' && r.fractionLost != null) {
          remoteLoss = Math.max(remoteLoss, r.fractionLost * 100);
        }
      });
      const prev = this._qualityCounts || { received: 0, lost: 0 };
      this._qualityCounts = { received, lost };
      const dr = received - prev.received;
      const dl = lost - prev.lost;
      const inLoss = dr + dl > 0 ? (dl * 100) / (dr + dl) : 0;
      lossPercent = Math.max(inLoss, remoteLoss);
      const rtt = rttMs == null ? 0 : rttMs;
      quality = rtt < 300 && lossPercent < 2 ? 'good' : rtt < 600 && lossPercent < 8 ? 'fair' : 'poor';
    }
    const changed = !this.connectionQuality || this.connectionQuality.quality !== quality;
    this.connectionQuality = { quality, rttMs, lossPercent, availableOutgoingBitrate: available };
    if (changed) this._emit('connectionQuality', this.connectionQuality);
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
      this._socketGone(ws, new JoinError('join-timeout', 'signaling silent'), 'disconnected');
      return;
    }
    this._send({ type: 'ping', ts: Date.now() });
  }

  /** A fresh RTCPeerConnection and the per-connection state (first join, and each rejoin). */
  _newPeerConnection() {
    if (this.pc) { try { this.pc.close(); } catch (e) { /* already closed */ } }
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: this.iceServers || [],
      iceTransportPolicy: this._iceTransportPolicy || 'all' });
    this._midInfo = new Map();      // mid → {endpointId, kind}
    this._midTracks = new Map();    // mid → {track, stream}
    this._seenMids = null;
    this._published = { audio: false, video: false };
    this._svc = false;
    this._publishVideoMid = null;
    this.revision = 0;
    const pc = this.pc;
    pc.ontrack = (e) => { if (pc === this.pc) this._onTrack(e); };
    pc.onconnectionstatechange = () => { if (pc === this.pc) this._emit('connectionState', pc.connectionState); };
    pc.oniceconnectionstatechange = () => { if (pc === this.pc && pc.iceConnectionState === 'failed') this.restartIce(); };
    this._iceDown = 0;
  }

  /**
   * Opens the signaling socket at {@code url}; resolves when the first offer is answered, rejects
   * if the socket closes before. Later closes go to _onSocketClosed.
   */
  _connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      this._signalingUrl = url;
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
        const why = 'signaling closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')';
        this._socketGone(ws, ev.code === 4401 ? new JoinError('unauthorized', 'the bridge refused the token: ' + why)
          : new JoinError('signaling-closed', why), this._byeReason || (ev.code === 1000 && ev.reason ? ev.reason : 'disconnected'));
      };
      ws.onerror = () => { /* onclose follows */ };
    });
  }

  /** {@link #_connect}, failing with a JoinError 'join-timeout' after {@code ms}. */
  _connectWithin(url, ms) {
    let timer;
    let done = false;
    const timeout = new Promise((resolve, reject) => this._streamReady.then(() => {
      // from when the local stream is there: a permission prompt may take its time
      if (done) return;
      timer = setTimeout(() => {
        const err = new JoinError('join-timeout', 'no offer from the bridge within ' + ms / 1000 + ' s (is ' + url.replace(/token=[^&]*/, 'token=…') + ' reachable?)');
        const ws = this.ws;
        if (this._pendingJoin) { this._pendingJoin = null; }
        if (ws) { this.ws = null; try { ws.close(1000, 'join timeout'); } catch (e) { /* closing */ } }
        reject(err);
      }, ms);
    }));
    return Promise.race([this._connect(url), timeout]).finally(() => { done = true; clearTimeout(timer); });
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
      reject(joinError);
      return;
    }
    this._onSocketClosed(reason);
  }

  /**
   * The socket of a joined room closed. Without a goodbye it is reopened first (the endpoint, its
   * media and the others' view of it survive); then rejoin when the loss is one to come back from,
   * else leave.
   */
  _onSocketClosed(reason) {
    this._byeReason = null;
    if (this._closed) return;
    if (reason === 'disconnected' && this._signalingUrl && !this._resuming) {
      this._resume();
      return;
    }
    this._afterLoss(reason);
  }

  /** Reopens the signaling socket of this same endpoint (same URL, same token) for up to RESUME_MS. */
  async _resume() {
    this._resuming = true;
    const deadline = Date.now() + RESUME_MS;
    for (let attempt = 1; !this._closed && Date.now() < deadline; attempt++) {
      this._emit('reconnecting', { reason: 'signaling', attempt });
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * 2 ** (attempt - 1))));
      if (this._closed) return;
      try {
        await this._connectWithin(this._signalingUrl, Math.max(1000, deadline - Date.now()));
        this._resuming = false;
        this._emit('reconnected', { endpointId: this.endpointId, resumed: true });
        return;
      } catch (err) {
        if (err && err.code === 'unauthorized') break; // the endpoint is gone: no point retrying
      }
    }
    this._resuming = false;
    if (!this._closed) this._afterLoss('disconnected');
  }

  _afterLoss(reason) {
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
      if (this._midTracks.has(mid)) this._emit('trackEnded', { endpointId: info.endpointId, kind: info.kind, source: info.source, mid });
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
        await this._connectWithin(url, this._joinTimeoutMs);
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
    if (REPLAYED.has(event)) queueMicrotask(() => this._replay(event, fn));
    return this;
  }

  /** Hands a handler attached late the state its event has announced so far. */
  _replay(event, fn) {
    const set = this._handlers.get(event);
    if (!set || !set.has(fn) || this._closed) return;
    const call = (payload) => {
      try { fn(payload); } catch (err) { console.error('junction handler for', event, 'failed', err); }
    };
    if (event === 'participantJoined') {
      for (const p of this.participants.values()) call({ ...p });
    } else if (event === 'track') {
      for (const [mid, t] of this._midTracks) {
        const info = this._midInfo.get(mid);
        if (info) call({ endpointId: info.endpointId, kind: info.kind, source: info.source, track: t.track, stream: t.stream, mid });
      }
    } else if (event === 'dominantSpeaker') {
      if (this.dominantSpeaker) call({ endpointId: this.dominantSpeaker });
    } else if (event === 'connectionState') {
      if (this.pc && this.pc.connectionState !== 'new') call(this.pc.connectionState);
    } else if (event === 'connectionQuality') {
      if (this.connectionQuality) call(this.connectionQuality);
    }
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
        // TURN for networks that cannot reach the media port (time-limited credentials per endpoint)
        this.iceServers = msg.iceServers || [];
        if (this.iceServers.length) this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: this.iceServers });
        {
          // first join: everyone is new; a resumed socket: only the changes since are announced
          const before = this.participants;
          this.participants = new Map();
          for (const p of msg.participants || []) {
            const participant = Room._participant(p);
            const was = before.get(p.endpointId);
            this.participants.set(p.endpointId, participant);
            if (!was) this._emit('participantJoined', { ...participant });
            else if (was.audioMuted !== participant.audioMuted || was.videoMuted !== participant.videoMuted
                     || was.displayName !== participant.displayName) this._emit('participantUpdated', { ...participant });
          }
          for (const id of before.keys()) {
            if (!this.participants.has(id)) this._emit('participantLeft', { endpointId: id, reason: 'left' });
          }
        }
        if (this.audioMuted || this.videoMuted) this._sendMute();
        if (msg.dominantSpeaker) {
          this.dominantSpeaker = msg.dominantSpeaker;
          this._emit('dominantSpeaker', { endpointId: msg.dominantSpeaker });
        }
        if (Object.keys(this.constraints).length) this._sendConstraints();
        break;
      case 'layers':
        // which of our simulcast layers anyone watches: stop encoding the others
        this._layerWish = msg.active || {};
        this._queue = this._queue.then(() => this._configureEncodings()).catch(() => {});
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
      case 'participantJoined': {
        const participant = Room._participant(msg);
        this.participants.set(msg.endpointId, participant);
        this._emit('participantJoined', { ...participant });
        break;
      }
      case 'participantUpdated': {
        if (!this.participants.has(msg.endpointId)) break;
        const participant = Room._participant(msg);
        this.participants.set(msg.endpointId, participant);
        this._emit('participantUpdated', { ...participant });
        break;
      }
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
    this._publishMids = { audio: msg.publish.audio, video: msg.publish.video, screen: msg.publish.screen };
    await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    for (const t of this.pc.getTransceivers()) {
      if (msg.publish.screen != null && t.mid === msg.publish.screen) {
        // the screen share: sent while there is one; its m-line answered inactive otherwise
        const screen = this.screenTrack;
        t.direction = screen ? 'sendonly' : 'inactive';
        if (t.sender.track !== screen) await t.sender.replaceTrack(screen);
        continue;
      }
      const kind = t.mid === msg.publish.audio ? 'audio' : t.mid === msg.publish.video ? 'video' : null;
      if (!kind) continue;
      const track = this.localStream && this.localStream.getTracks().find((x) => x.kind === kind);
      if (track) {
        t.direction = 'sendonly';
        if (!this._published[kind]) {
          track.enabled = !(kind === 'audio' ? this.audioMuted : this.videoMuted);
          await t.sender.replaceTrack(track);
          t.sender.setStreams && t.sender.setStreams(this.localStream);
          this._published[kind] = true;
        }
      } else {
        t.direction = 'inactive';
      }
    }
    this._applyTrackList(msg.tracks || []);
    this._preferCodec(msg.publish.video);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    // every offer resets the camera's encodings in Chromium: make them what they should be again
    this._publishVideoMid = msg.publish.video;
    await this._configureEncodings();
    this.revision = msg.revision;
    this._send({ type: 'answer', revision: msg.revision, sdp: this.pc.localDescription.sdp });
  }

  /** Whether codec capability `c` is the `codec` option's (of VP9, profile 0: what the bridge forwards). */
  _isChosenCodec(c) {
    return c.mimeType.toLowerCase() === 'video/' + this._codec
      && (this._codec !== 'vp9' || !c.sdpFmtpLine || /profile-id=0/.test(c.sdpFmtpLine));
  }

  /**
   * With a `codec` option: that codec first in the camera's answer, the others after it. Chromium
   * sends what the encoding's `codec` says (_configureEncodings), not the answer's first codec; the
   * order is the hint for browsers without per-encoding codecs. A browser that cannot send the codec
   * reports 'client-codec-unsupported' once and sends the bridge's first codec.
   */
  _preferCodec(mid) {
    if (!this._codec || mid == null || typeof RTCRtpReceiver === 'undefined' || !RTCRtpReceiver.getCapabilities) return;
    const t = this.pc.getTransceivers().find((x) => x.mid === mid);
    if (!t || !t.setCodecPreferences) return;
    const caps = RTCRtpReceiver.getCapabilities('video');
    if (!caps) return;
    const first = caps.codecs.filter((c) => this._isChosenCodec(c));
    if (!first.length) {
      if (!this._codecWarned) this._emit('error', { code: 'client-codec-unsupported', message: 'this browser cannot send ' + this._codec });
      this._codecWarned = true;
      return;
    }
    try {
      t.setCodecPreferences([...first, ...caps.codecs.filter((c) => !first.includes(c))]);
    } catch (err) {
      this._emit('error', { code: 'client-codec-failed', message: String(err && err.message || err) });
    }
  }

  /**
   * The camera's encodings, made what they should be after every offer and every 'layers' message
   * (a new offer resets them in Chromium: a=simulcast without '~' resumes every layer, and a codec the
   * offer no longer has is dropped from them):
   * - the `codec` option's codec on every encoding (RTCRtpEncodingParameters.codec) while the offer
   *   has it; else the browser sends the offer's first codec (the bridge offers publishers only what
   *   every participant decodes, so a participant that lacks a codec makes the others fall back);
   * - with `scalabilityMode` and a codec whose layers the bridge reads (VP9; AV1 with the dependency
   *   descriptor negotiated): that mode on the first
   *   encoding, the others off (one stream; the bridge forwards each receiver the layers it needs);
   * - else simulcast: 1/4, 1/2 and full resolution at most SIMULCAST_MAX_BITRATES, the layers nobody
   *   watches off (the bridge's 'layers' message), VP9 layers as L1T3.
   * setParameters only runs when something differs.
   */
  async _configureEncodings() {
    if (!this._published.video || this._publishVideoMid == null) return;
    const t = this.pc.getTransceivers().find((x) => x.mid === this._publishVideoMid);
    if (!t) return;
    const params = t.sender.getParameters();
    const encodings = params.encodings || [];
    const n = encodings.length;
    if (!n) return;
    const before = JSON.stringify(encodings);
    const negotiated = params.codecs || [];
    const codec = this._codec && negotiated.find((c) => this._isChosenCodec(c));
    // what will be sent: the chosen codec, or the first one negotiated
    const sending = codec || negotiated.find((c) => !/rtx|red|ulpfec/i.test(c.mimeType));
    const layered = !!sending && /vp9|av1/i.test(sending.mimeType);
    // spatial layers in one stream only where the bridge reads them: VP9's payload descriptor, AV1's
    // dependency descriptor (when the bridge offered that extension)
    const dd = (params.headerExtensions || []).some((h) => h.uri === DEPENDENCY_DESCRIPTOR_URI);
    const svc = !!this._scalabilityMode && !!sending
      && (/vp9/i.test(sending.mimeType) || (dd && /av1/i.test(sending.mimeType)));
    encodings.forEach((e, i) => {
      if (codec) e.codec = codec; else delete e.codec;
      if (svc) {
        e.active = i === 0;
        if (i === 0) {
          e.scalabilityMode = this._scalabilityMode;
          e.scaleResolutionDownBy = 1;
          e.maxBitrate = SVC_MAX_BITRATE;
        }
        return;
      }
      if (n >= 2) {
        const k = SIMULCAST_SCALE.length - n + i; // the last encoding is full resolution
        e.scaleResolutionDownBy = SIMULCAST_SCALE[Math.max(0, k)];
        e.maxBitrate = SIMULCAST_MAX_BITRATES[Math.max(0, k)];
        e.active = !(this._layerWish && this._layerWish[e.rid] === false);
      }
      // VP9/AV1 simulcast: Chromium sends only the first encoding unless each one names its mode;
      // a spatial mode left from SVC goes when the codec falls back (the browser's own defaults stay:
      // changing them would reconfigure the encoder for nothing)
      if (layered && n >= 2) e.scalabilityMode = 'L1T3';
      else if (e.scalabilityMode && !/^L1T/.test(e.scalabilityMode)) delete e.scalabilityMode;
    });
    this._svc = svc;
    if (JSON.stringify(encodings) === before) return;
    try {
      await t.sender.setParameters(params);
    } catch (err) {
      this._emit('error', { code: svc ? 'client-svc-failed' : 'client-encodings-failed', message: String(err && err.message || err) });
    }
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
    const next = new Map(tracks.map((t) => [t.mid, { endpointId: t.endpointId, kind: t.kind,
      source: t.source || (t.kind === 'audio' ? 'microphone' : 'camera') }]));
    for (const [mid, info] of this._midInfo) {
      const now = next.get(mid);
      if (!now || now.endpointId !== info.endpointId || now.source !== info.source) {
        this._midTracks.delete(mid);
        this._emit('trackEnded', { endpointId: info.endpointId, kind: info.kind, source: info.source, mid });
      }
    }
    const previous = this._midInfo;
    this._midInfo = next;
    // A reused m-line keeps its receiver track: announce it for the new endpoint.
    for (const [mid, info] of next) {
      const before = previous.get(mid);
      if (before && before.endpointId === info.endpointId && before.source === info.source) continue;
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
    this._emit('track', { endpointId: info.endpointId, kind: info.kind, source: info.source, track, stream, mid });
  }

  /** The tracks currently received, as [{mid, endpointId, kind, source, track}]. */
  remoteTracks() {
    const out = [];
    for (const [mid, info] of this._midInfo) {
      const t = this._midTracks.get(mid);
      if (t) out.push({ mid, endpointId: info.endpointId, kind: info.kind, source: info.source, track: t.track });
    }
    return out;
  }

  /**
   * Shares the screen (or {@code track}, any video track) as a second video source beside the camera:
   * the bridge forwards it to everyone, before all other video. Asks the bridge for a new offer and
   * resolves with the track once it is answered; the share stops when the track ends (the browser's
   * own "stop sharing") or at stopScreenShare().
   */
  async startScreenShare(track) {
    if (this.screenTrack) return this.screenTrack;
    const t = track || (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })).getVideoTracks()[0];
    if ('contentHint' in t && !t.contentHint) t.contentHint = 'detail';
    this.screenTrack = t;
    t.addEventListener('ended', () => { if (this.screenTrack === t) this.stopScreenShare(); });
    this._send({ type: 'renegotiate' });
    return t;
  }

  /**
   * Asks the bridge for an ICE restart: new ICE credentials in its next offer, new candidate pairs,
   * the same endpoint, tracks, DTLS and SRTP. The room does this by itself when ICE stays
   * disconnected (about 4 s) or fails, and when the browser comes back online; at most every 5 s.
   */
  restartIce() {
    const now = Date.now();
    if (this._closed || !this.ws || now - (this._lastIceRestart || 0) < 5000) return;
    this._lastIceRestart = now;
    this._emit('reconnecting', { reason: 'ice', attempt: 1 });
    this._send({ type: 'iceRestart' });
  }

  /** Stops the screen share (the track is stopped too); the others get trackEnded. */
  stopScreenShare() {
    const t = this.screenTrack;
    if (!t) return;
    this.screenTrack = null;
    t.stop();
    this._send({ type: 'renegotiate' });
  }

  static _participant(p) {
    return { endpointId: p.endpointId, displayName: p.displayName, audioMuted: !!p.audioMuted, videoMuted: !!p.videoMuted };
  }

  /** Mutes or unmutes the microphone (the track keeps running) and tells the others. */
  setAudioEnabled(enabled) { this._setEnabled('audio', enabled); }

  /** Turns the camera's sending off or on (the track keeps running) and tells the others. */
  setVideoEnabled(enabled) { this._setEnabled('video', enabled); }

  _setEnabled(kind, enabled) {
    if (this.localStream) {
      for (const t of this.localStream.getTracks()) if (t.kind === kind) t.enabled = !!enabled;
    }
    const muted = !enabled;
    if (kind === 'audio' ? this.audioMuted === muted : this.videoMuted === muted) return;
    if (kind === 'audio') this.audioMuted = muted; else this.videoMuted = muted;
    this._sendMute();
  }

  _sendMute() {
    this._send({ type: 'mute', audioMuted: this.audioMuted, videoMuted: this.videoMuted });
  }

  /**
   * Sends {@code track} instead of the local track of its kind (another camera or microphone, a
   * processed track), without renegotiation. The kind must have been published at join (a room
   * joined without a camera cannot start sending one). The old track is removed from localStream
   * but not stopped. Resolves with the old track.
   */
  async replaceTrack(track) {
    const kind = track.kind;
    const mid = this._publishMids && this._publishMids[kind];
    const t = mid != null && this.pc.getTransceivers().find((x) => x.mid === mid);
    if (!t || !this._published[kind]) {
      throw new Error('no ' + kind + ' was published when this room joined; rejoin with it in localStream');
    }
    await t.sender.replaceTrack(track);
    track.enabled = !(kind === 'audio' ? this.audioMuted : this.videoMuted);
    const old = this.localStream.getTracks().find((x) => x.kind === kind) || null;
    if (old) this.localStream.removeTrack(old);
    this.localStream.addTrack(track);
    return old;
  }

  /**
   * Switches to another microphone or camera ({@code deviceId} from navigator.mediaDevices.
   * enumerateDevices()): opens it, sends it, stops the old track. Resolves with the new track.
   */
  async switchDevice(kind, deviceId) {
    const current = this.localStream && this.localStream.getTracks().find((x) => x.kind === kind);
    const settings = current && current.getSettings ? current.getSettings() : {};
    const wanted = { deviceId: { exact: deviceId } };
    if (kind === 'video' && settings.width) { wanted.width = settings.width; wanted.height = settings.height; }
    const stream = await navigator.mediaDevices.getUserMedia({ [kind]: wanted });
    const track = stream.getTracks()[0];
    try {
      const old = await this.replaceTrack(track);
      if (old) old.stop();
    } catch (err) {
      track.stop();
      throw err;
    }
    return track;
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
    clearInterval(this._quality);
    if (typeof window !== 'undefined') window.removeEventListener('online', this._onOnline);
    try { this.pc.close(); } catch (e) { /* already closed */ }
    try { if (this.ws) this.ws.close(1000, reason); } catch (e) { /* already closed */ }
    this._emit('left', { reason });
  }
}

export const Junction = {
  /**
   * Opens the signaling WebSocket and resolves with a Room once the first offer is answered.
   * @param {{signalingUrl: string, localStream?: MediaStream|Promise<MediaStream|null>, constraints?: object, on?: object,
   *          timeoutMs?: number, rejoin?: () => Promise<string>, rejoinTimeoutMs?: number}} options
   *   localStream: what to send; or a promise of it (a camera still starting): the socket opens and
   *   the bridge's offer arrives meanwhile, the answer waits for the stream (and the timeout starts then);
   *   constraints: as for room.setConstraints, sent as soon as the bridge welcomes the participant;
   *   on: event handlers ({track: fn, participantJoined: fn, …}) attached before anything arrives;
   *   timeoutMs: how long to wait for the bridge's first offer (default 20 s);
   *   iceTransportPolicy: 'relay' connects only through the bridge's TURN servers (default 'all');
   *   rejoin: returns a fresh signalingUrl when the bridge has lost this participant (see above);
   *   codec: the camera's codec ('vp8', 'vp9', 'h264', 'av1') when the bridge offers it (else the bridge's first);
   *   scalabilityMode: one scalable encoding instead of simulcast (VP9 and AV1: 'L1T3', 'L3T3_KEY', 'L3T3', …)
   * @returns {Promise<Room>} rejects with a JoinError
   */
  join({ signalingUrl, localStream, constraints, on, timeoutMs, rejoin, rejoinTimeoutMs, iceTransportPolicy, codec,
          scalabilityMode }) {
    const room = new Room(localStream, { rejoin, rejoinTimeoutMs, timeoutMs, iceTransportPolicy, codec, scalabilityMode });
    if (constraints) room.constraints = {
      maxHeight: constraints.maxHeight != null ? constraints.maxHeight : null,
      lastN: constraints.lastN != null ? constraints.lastN : null,
      onStage: constraints.onStage || [],
    };
    for (const [event, fn] of Object.entries(on || {})) room.on(event, fn);
    return room._connectWithin(signalingUrl, room._joinTimeoutMs).catch((err) => {
      room._close('disconnected');
      throw err;
    });
  },
};

export default Junction;
