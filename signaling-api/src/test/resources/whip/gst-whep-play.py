#!/usr/bin/env python3
"""A WHEP player built on GStreamer's webrtcbin and libnice: a WebRTC stack independent of
Chromium's. Offers to receive VP8 (payload type 100) and Opus (109), numbers the bridge does not use
itself, gathers all candidates, POSTs the offer, applies the answer, decodes what arrives, and
prints a line a second with the decoded video frames and size and the audio buffers. DELETEs the
session on SIGTERM (or after --seconds).

    gst-whep-play.py URL [--seconds N] [--verbose]
"""
import signal
import sys
import threading

from gst_wish import Session
from gi.repository import GLib, Gst, GstWebRTC

Gst.init(None)
url = sys.argv[1]
seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 120
loop = GLib.MainLoop()
lock = threading.Lock()
counts = {"video": 0, "audio": 0, "size": "0x0"}

pipe = Gst.Pipeline.new("player")
webrtc = Gst.ElementFactory.make("webrtcbin", "w")
webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
pipe.add(webrtc)
session = Session(url, webrtc, loop, "gst-whep")


def on_handoff(_sink, _buf, _pad, kind):
    with lock:
        counts[kind] += 1


def on_decoded(_decodebin, pad):
    caps = pad.get_current_caps() or pad.query_caps(None)
    s = caps.get_structure(0)
    kind = "video" if s.get_name().startswith("video") else "audio"
    if kind == "video":
        with lock:
            counts["size"] = "%dx%d" % (s.get_value("width"), s.get_value("height"))
    sink = Gst.ElementFactory.make("fakesink")
    sink.set_property("sync", False)
    sink.set_property("signal-handoffs", True)
    sink.connect("handoff", on_handoff, kind)
    pipe.add(sink)
    sink.sync_state_with_parent()
    pad.link(sink.get_static_pad("sink"))
    session.say("decoding", kind, caps.to_string()[:80])


def on_incoming(_element, pad):
    if pad.get_direction() != Gst.PadDirection.SRC:
        return
    decodebin = Gst.ElementFactory.make("decodebin")
    decodebin.connect("pad-added", on_decoded)
    pipe.add(decodebin)
    decodebin.sync_state_with_parent()
    pad.link(decodebin.get_static_pad("sink"))


def report():
    with lock:
        session.say("video %d frames %s audio %d" % (counts["video"], counts["size"], counts["audio"]))
    return True


webrtc.connect("pad-added", on_incoming)
RECVONLY = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
webrtc.emit("add-transceiver", RECVONLY, Gst.Caps.from_string(
    "application/x-rtp,media=video,encoding-name=VP8,payload=100,clock-rate=90000"))
webrtc.emit("add-transceiver", RECVONLY, Gst.Caps.from_string(
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=109,clock-rate=48000,encoding-params=(string)2"))
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, session.stop)
GLib.timeout_add_seconds(seconds, session.stop)
GLib.timeout_add_seconds(1, report)
pipe.set_state(Gst.State.PLAYING)
GLib.idle_add(session.create_offer)  # once playing (a receive-only webrtcbin has no sink pad to start negotiation)
loop.run()
pipe.set_state(Gst.State.NULL)
