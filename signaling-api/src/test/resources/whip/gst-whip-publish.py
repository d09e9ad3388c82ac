#!/usr/bin/env python3
"""A WHIP publisher (RFC 9725) built on GStreamer's webrtcbin and libnice: a WebRTC stack independent
of Chromium's. Sends a test pattern as VP8 on payload type 100 and a tone as Opus on 109 (numbers the
bridge does not use itself), gathers all candidates, POSTs the offer, applies the answer, and DELETEs
the session when it gets SIGTERM (or after --seconds). Prints one line per step for the test's log.

    gst-whip-publish.py URL [--seconds N] [--verbose]
"""
import signal
import sys

from gst_wish import Session
from gi.repository import GLib, Gst, GstWebRTC

Gst.init(None)
url = sys.argv[1]
seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 120
loop = GLib.MainLoop()

PIPELINE = (
    "webrtcbin name=w bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 ! videoconvert "
    "! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=600000 ! rtpvp8pay pt=100 mtu=1200 "
    "! application/x-rtp,media=video,encoding-name=VP8,payload=100,clock-rate=90000 ! w. "
    "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc "
    "! rtpopuspay pt=109 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=109,clock-rate=48000 ! w."
)
pipe = Gst.parse_launch(PIPELINE)
webrtc = pipe.get_by_name("w")
session = Session(url, webrtc, loop, "gst-whip")


def on_negotiation_needed(element):
    for i in range(2):
        t = element.emit("get-transceiver", i)
        if t is not None:
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
    session.create_offer()


def on_ice_state(element, _pspec):
    session.say("ice", element.get_property("ice-connection-state").value_nick)


webrtc.connect("on-negotiation-needed", on_negotiation_needed)
webrtc.connect("notify::ice-connection-state", on_ice_state)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, session.stop)
GLib.timeout_add_seconds(seconds, session.stop)
pipe.set_state(Gst.State.PLAYING)
loop.run()
pipe.set_state(Gst.State.NULL)
