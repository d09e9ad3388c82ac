package io.junction.bridge.pipeline;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.SsrcTable;
import io.junction.bridge.forward.Subscription;
import java.nio.charset.StandardCharsets;

/**
 * The lookup tables of one endpoint's packet path, written by the control plane (negotiation) and
 * read lock-free by the packet worker: the tracks it publishes (by kind and by the mid of their
 * m-line), its streams by SSRC (also learned on the worker from mid/rid), its subscriptions by the
 * SSRC the bridge sends them under, and the round-trip time toward it. Each table is replaced,
 * never mutated.
 */
public final class EndpointStreams {
    /** A publish m-line: its mid (as bytes, compared without allocation) and the track on it. */
    private record MidEntry(byte[] mid, MediaKind kind, SourceTrack track) {}

    private volatile MidEntry[] mids = new MidEntry[0];
    /** Published streams by SSRC (primary and RTX); learning on the worker republishes it. */
    public volatile SsrcTable<SourceEncoding> encodingsBySsrc = SsrcTable.empty();
    /** Forwarded streams by the SSRC the bridge sends them under (RTCP from this endpoint names these). */
    public volatile SsrcTable<Subscription> subscriptionsByOutSsrc = SsrcTable.empty();
    /** The latest round-trip time measured toward this endpoint (ns), -1 until measured. */
    public volatile long rttNs = -1;
    /**
     * The tracks a relay from another bridge brings in (its receiver reports cover these instead of
     * the publish m-lines' tracks); empty for every other endpoint. Replaced, never changed.
     */
    public volatile SourceTrack[] relayedTracks = new SourceTrack[0];
    /** A publisher that chose its own numbering (WHIP): how to renumber its packets; null for the rest. */
    public volatile IngestMap ingestMap;

    /** Control plane: the track published on m-line {@code mid} (null: none any more). */
    public synchronized void setPublished(String mid, MediaKind kind, SourceTrack track) {
        byte[] m = mid.getBytes(StandardCharsets.US_ASCII);
        MidEntry[] cur = mids;
        MidEntry[] next = null;
        for (int i = 0; i < cur.length; i++) {
            if (java.util.Arrays.equals(cur[i].mid(), m)) {
                next = cur.clone();
                next[i] = new MidEntry(m, kind, track);
            }
        }
        if (next == null) {
            next = java.util.Arrays.copyOf(cur, cur.length + 1);
            next[cur.length] = new MidEntry(m, kind, track);
        }
        mids = next;
    }

    /** The track on the m-line whose mid is {@code buf[at, at+len)} (a mid header extension), or null. */
    public SourceTrack publishedByMid(byte[] buf, int at, int len) {
        for (MidEntry e : mids) {
            byte[] m = e.mid();
            if (m.length == len && java.util.Arrays.equals(m, 0, len, buf, at, at + len)) {
                return e.track();
            }
        }
        return null;
    }

    /** The published video to show of this endpoint: its screen share when it shares, else its camera; or null. */
    public SourceTrack shownVideo() {
        SourceTrack camera = null;
        for (MidEntry e : mids) {
            SourceTrack t = e.track();
            if (e.kind() == MediaKind.VIDEO && t != null && !t.isEnded()) {
                if (t.isScreen()) {
                    return t;
                }
                if (camera == null) {
                    camera = t;
                }
            }
        }
        return camera;
    }

    /** The published track of {@code kind}, or null. */
    public SourceTrack published(MediaKind kind) {
        for (MidEntry e : mids) {
            if (e.kind() == kind && e.track() != null) {
                return e.track();
            }
        }
        return null;
    }
}
