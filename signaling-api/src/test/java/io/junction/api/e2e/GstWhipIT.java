package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WHIP and WHEP from a second, independent WebRTC stack: GStreamer's webrtcbin with libnice (Debian's
 * gstreamer1.0-plugins-bad and gstreamer1.0-nice, driven by test resource whip/gst-whip-publish.py)
 * publishes VP8 on payload type 100 and Opus on 109, with no header extensions, into an open room.
 * libnice ignores loopback, so the publisher runs in a child namespace joined by a veth pair
 * ({@link VethBrowserTest}, 198.18.0.0/15) and the bridge advertises that address too. Two Chromium
 * participants decode its video and receive its audio; SIGTERM makes it DELETE its session, and it
 * leaves for both. And a GStreamer WHEP player (whip/gst-whep-play.py: VP8 on 100, Opus on 109, so
 * every packet to it is renumbered) decodes the stage of a room of two Chromium participants.
 */
class GstWhipIT extends VethBrowserTest {
    /** Debian's Python, which has the GStreamer bindings (a python3 earlier on PATH, e.g. pyenv's, may not). */
    private static final String PYTHON = "/usr/bin/python3";

    @BeforeAll
    static void gstreamerIsInstalled() throws Exception {
        Process check = new ProcessBuilder(PYTHON, "-c",
                "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstWebRTC', '1.0');"
                        + "gi.require_version('GstSdp', '1.0');"
                        + "from gi.repository import Gst; Gst.init(None);"
                        + "assert Gst.ElementFactory.find('webrtcbin') and Gst.ElementFactory.find('vp8enc')"
                        + " and Gst.ElementFactory.find('opusenc') and Gst.ElementFactory.find('nicesrc')"
                        + " and Gst.ElementFactory.find('vp8dec') and Gst.ElementFactory.find('opusdec')"
                        + " and Gst.ElementFactory.find('decodebin')")
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertEquals(0, check.waitFor(), "GStreamer with webrtcbin, libnice, VP8 and Opus (encoders and decoders) is needed (.ci/run installs "
                + "gstreamer1.0-plugins-bad gstreamer1.0-plugins-good gstreamer1.0-plugins-base gstreamer1.0-nice "
                + "python3-gst-1.0 gir1.2-gst-plugins-bad-1.0): " + out);
    }

    @Test
    void gstreamerPublishesIntoARoomOverWhip() throws Exception {
        Participant a = join("Ann", "gst");
        Participant b = join("Bob", "gst");
        await("both joined", 20000, () -> a.joined() && b.joined());
        Path script = Path.of(getClass().getResource("/whip/gst-whip-publish.py").toURI());
        Path log = Files.createTempFile("gst-whip", ".log");
        String url = "http://" + VethNamespace.PARENT_ADDRESS + ":" + t.server.publicPort() + "/v1/whip/gst?name=GStreamer";
        Process gst = veth.startInChild(log, PYTHON, script.toString(), url, "--seconds", "120", "--verbose");
        try {
            await("the GStreamer publisher joined", 20000, () -> t.server.bridge().conferences().stream()
                    .flatMap(c -> c.endpoints().stream()).anyMatch(e -> e.displayName().equals("GStreamer")));
            String id = t.server.bridge().conferences().stream().flatMap(c -> c.endpoints().stream())
                    .filter(e -> e.displayName().equals("GStreamer")).findFirst().orElseThrow().id();
            for (Participant p : new Participant[] {a, b}) {
                await(p.name + " decodes GStreamer's video and receives its audio", 30000, () -> {
                    Participant.Remote r = p.remotes().get(id);
                    return r != null && r.framesDecoded() > 30 && r.frameHeight() == 360 && r.audioPackets() > 50;
                });
            }
            gst.destroy(); // SIGTERM: the script DELETEs its session
            assertTrue(gst.waitFor(10, TimeUnit.SECONDS), "the publisher stopped");
            String out = Files.readString(log);
            assertTrue(out.contains("gst-whip: deleted"), out);
            for (Participant p : new Participant[] {a, b}) {
                await(p.name + " no longer shows it", 10000, () -> !p.remoteVideoIds().contains(id));
            }
            assertEquals(2, t.server.bridge().endpointCount());
        } finally {
            System.out.println("[gst] " + Files.readString(log).replace("\n", "\n[gst] "));
            gst.destroyForcibly();
        }
    }

    @Test
    void gstreamerPlaysTheStageOverWhep() throws Exception {
        Participant a = new Participant("Ann");
        Participant b = new Participant("Bob");
        participants.add(a);
        participants.add(b);
        a.join(t.publicUrl(""), "gstwhep", "&camera=640x360");
        b.join(t.publicUrl(""), "gstwhep", "&camera=640x360");
        await("both joined", 20000, () -> a.joined() && b.joined());
        Path script = Path.of(getClass().getResource("/whip/gst-whep-play.py").toURI());
        Path log = Files.createTempFile("gst-whep", ".log");
        String url = "http://" + VethNamespace.PARENT_ADDRESS + ":" + t.server.publicPort() + "/v1/whep/gstwhep";
        Process gst = veth.startInChild(log, PYTHON, script.toString(), url, "--seconds", "120", "--verbose");
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("gst-whep: video (\\d+) frames (\\d+)x(\\d+) audio (\\d+)");
        try {
            await("GStreamer decodes the stage's video and audio", 30000, () -> {
                java.util.regex.Matcher m = line.matcher(readQuietly(log));
                long frames = 0;
                long height = 0;
                long audio = 0;
                while (m.find()) {
                    frames = Long.parseLong(m.group(1));
                    height = Long.parseLong(m.group(3));
                    audio = Long.parseLong(m.group(4));
                }
                return frames > 60 && height > 0 && audio > 50;
            });
            var room = t.server.bridge().existingOpenRoom("gstwhep").orElseThrow();
            assertEquals(1, room.viewerCount());
            assertEquals(2, room.endpointCount(), "the player is not a participant");
            System.out.println("[gst] the player's stats on the bridge: " + room.viewers().iterator().next().stats());
            gst.destroy(); // SIGTERM: the script DELETEs its session
            assertTrue(gst.waitFor(10, TimeUnit.SECONDS), "the player stopped");
            assertTrue(Files.readString(log).contains("gst-whep: deleted"));
            await("the viewer is gone", 10000, () -> room.viewerCount() == 0);
        } finally {
            System.out.println("[gst] " + Files.readString(log).replace("\n", "\n[gst] "));
            gst.destroyForcibly();
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
