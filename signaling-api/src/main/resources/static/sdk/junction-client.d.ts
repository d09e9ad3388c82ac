// Types of the Junction client SDK (junction-client.js). Protocol: docs/signaling.md.

/** A remote participant as the bridge announces it. */
export interface Participant {
  endpointId: string;
  displayName: string;
  /** What the participant announced with setAudioEnabled(false): its microphone is muted. */
  audioMuted: boolean;
  /** What the participant announced with setVideoEnabled(false): its camera is off. */
  videoMuted: boolean;
}

export type TrackKind = 'audio' | 'video';

/** What a track carries: a participant has at most one of each. */
export type TrackSource = 'microphone' | 'camera' | 'screen';

export interface TrackEvent {
  endpointId: string;
  kind: TrackKind;
  source: TrackSource;
  track: MediaStreamTrack;
  /** A stream holding just this track, ready for an element's srcObject. */
  stream: MediaStream;
  mid: string;
}

export interface TrackEndedEvent {
  endpointId: string;
  kind: TrackKind;
  source: TrackSource;
  mid: string;
}

/** Why a participant left, or why this room was left. */
export type LeaveReason =
  | 'left' | 'disconnected' | 'removed' | 'conference-ended' | 'expired' | 'ice-failed' | 'dtls-failed' | 'shutdown';

export interface ConnectionQuality {
  /** good: RTT < 300 ms and loss < 2 %; fair: RTT < 600 ms and loss < 8 %; poor: worse; lost: no connection. */
  quality: 'good' | 'fair' | 'poor' | 'lost';
  rttMs: number | null;
  /** The worse of the loss of what this participant receives and of what the bridge reports of what it sends. */
  lossPercent: number | null;
  /** bit/s, the browser's estimate of its uplink (candidate pair statistics), when known. */
  availableOutgoingBitrate: number | null;
}

export interface Constraints {
  /** Tallest video wanted (e.g. 180, 360, 720); null: no limit. */
  maxHeight?: number | null;
  /** Video of at most this many participants (most recent speakers and those on stage first); null: no limit. */
  lastN?: number | null;
  /** Participants shown large. */
  onStage?: string[];
}

export interface RoomEvents {
  track: TrackEvent;
  trackEnded: TrackEndedEvent;
  participantJoined: Participant;
  participantUpdated: Participant;
  participantLeft: { endpointId: string; reason: LeaveReason };
  dominantSpeaker: { endpointId: string };
  connectionState: RTCPeerConnectionState;
  connectionQuality: ConnectionQuality;
  error: { code: string; message: string };
  /** reason 'signaling': the socket dropped and is being reopened (same endpoint, media goes on). */
  /** reason 'ice': an ICE restart was asked for (same endpoint). */
  reconnecting: { reason: LeaveReason | 'signaling' | 'ice'; attempt: number };
  /** resumed: the same endpoint's socket is back; otherwise the room rejoined as a new endpoint. */
  reconnected: { endpointId: string; resumed?: boolean };
  left: { reason: LeaveReason };
}

export type RoomEventHandlers = { [E in keyof RoomEvents]?: (payload: RoomEvents[E]) => void };

export interface Room {
  readonly endpointId: string;
  readonly conferenceId: string;
  readonly displayName: string;
  /** The other participants, by endpoint id. */
  readonly participants: Map<string, Participant>;
  /** The peer connection to the bridge (a new one after a rejoin). */
  readonly pc: RTCPeerConnection;
  readonly localStream: MediaStream | null;
  readonly revision: number;
  readonly dominantSpeaker: string | null;
  readonly constraints: Constraints;
  readonly audioMuted: boolean;
  readonly videoMuted: boolean;
  readonly connectionQuality: ConnectionQuality | null;
  /** The TURN servers the bridge handed out in its welcome (empty when it has none). */
  readonly iceServers: RTCIceServer[];
  /** The screen share being sent, or null. */
  readonly screenTrack: MediaStreamTrack | null;
  /** Every error seen, oldest first. */
  readonly errors: Array<{ code: string; message: string }>;
  /** performance.now() when the signaling socket opened. */
  readonly signalingOpenedAt: number;

  /**
   * Adds a handler. State announced before (participants, remote tracks, the dominant speaker, the
   * connection state and quality) is replayed to it a microtask later.
   */
  on<E extends keyof RoomEvents>(event: E, handler: (payload: RoomEvents[E]) => void): this;
  off<E extends keyof RoomEvents>(event: E, handler: (payload: RoomEvents[E]) => void): this;

  /** Mutes or unmutes the microphone; the others get participantUpdated. */
  setAudioEnabled(enabled: boolean): void;
  /** Stops or resumes sending the camera; the others get participantUpdated. */
  setVideoEnabled(enabled: boolean): void;
  /** Sends another track of a kind published at join, without renegotiation; resolves with the old track (not stopped). */
  replaceTrack(track: MediaStreamTrack): Promise<MediaStreamTrack | null>;
  /** Opens another microphone or camera, sends it and stops the old track; resolves with the new track. */
  switchDevice(kind: TrackKind, deviceId: string): Promise<MediaStreamTrack>;
  /** What to receive; each call replaces the previous constraints. */
  setConstraints(constraints: Constraints): void;
  /** The tracks received now. */
  remoteTracks(): Array<{ mid: string; endpointId: string; kind: TrackKind; source: TrackSource; track: MediaStreamTrack }>;
  /**
   * Shares the screen (getDisplayMedia), or the given video track, as a second video source; the
   * bridge forwards it before all other video. Resolves with the track sent.
   */
  startScreenShare(track?: MediaStreamTrack): Promise<MediaStreamTrack>;
  /**
   * Asks the bridge for an ICE restart (same endpoint, new candidate pairs). Automatic when ICE stays
   * down or the browser comes back online; at most every 5 s.
   */
  restartIce(): void;
  /** Stops the screen share and its track. */
  stopScreenShare(): void;
  getStats(): Promise<RTCStatsReport>;
  leave(): void;
}

export interface JoinOptions {
  /** From the endpoints API (POST /v1/conferences/{id}/endpoints) or the demo's open rooms. */
  signalingUrl: string;
  /**
   * Microphone and camera to publish; without one of them the room only receives that kind. A promise
   * of it (a camera still starting) lets the socket open and the bridge's offer arrive meanwhile; the
   * answer waits for it, and timeoutMs counts from then.
   */
  localStream?: MediaStream | Promise<MediaStream | null> | null;
  constraints?: Constraints;
  /** Handlers attached before anything arrives. */
  on?: RoomEventHandlers;
  /** How long to wait for the bridge's first offer, ms (default 20 000). */
  timeoutMs?: number;
  /** Returns a fresh signalingUrl when the bridge lost this participant; the room then rejoins by itself. */
  rejoin?: () => Promise<string>;
  /** Give up rejoining after this long, ms (default 120 000). */
  rejoinTimeoutMs?: number;
  /** 'relay': connect only through the bridge's TURN servers (to test them); default 'all'. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** The camera's codec when the bridge offers it (else the bridge's first choice). */
  codec?: 'vp8' | 'vp9' | 'h264' | 'av1' | string;
  /**
   * One scalable encoding instead of simulcast, for codecs whose layers the bridge selects (VP9; AV1
   * when the bridge offers the dependency descriptor): e.g. 'L1T3', 'L3T3_KEY'.
   */
  scalabilityMode?: string;
}

/** Why Junction.join failed. */
export declare class JoinError extends Error {
  readonly name: 'JoinError';
  readonly code: 'unauthorized' | 'signaling-closed' | 'join-timeout';
  constructor(code: JoinError['code'], message: string);
}

export declare const Junction: {
  /** Opens the signaling socket; resolves once the bridge's first offer is answered. Rejects with a JoinError. */
  join(options: JoinOptions): Promise<Room>;
};

export default Junction;
