package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pre-call check page in real Chromium against a real bridge: camera, microphone, HTTP,
 * signaling, the media path (ICE over UDP, round trip) and the bridge's receiver reports of what
 * the page sends; its session is gone when it ends. Takes docs/screenshots/check.png.
 */
class CheckPageIT extends BrowserTest {
    @Test
    void checksCameraMicrophoneAndTheMediaPath() throws Exception {
        Participant p = new Participant("Checker");
        participants.add(p);
        p.browser.open(t.publicUrl("/check"));
        await("the check finishes", 40000, () -> Boolean.TRUE.equals(p.browser.js("return window.checkResult.done")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) p.browser.js("return window.checkResult.rows");
        Map<String, Map<String, Object>> byName = new java.util.HashMap<>();
        rows.forEach(r -> byName.put((String) r.get("name"), r));
        for (String ok : List.of("Browser", "Camera", "Microphone", "Bridge (HTTP)", "Signaling", "Media path",
                "Your media at the bridge")) {
            assertEquals("ok", byName.get(ok).get("status"), ok + ": " + rows);
        }
        assertTrue(String.valueOf(byName.get("Media path").get("detail")).startsWith("UDP, direct"), rows.toString());
        assertTrue(String.valueOf(byName.get("Your media at the bridge").get("detail")).startsWith("received · loss 0.0 %"), rows.toString());
        assertEquals("info", byName.get("ICE over TCP").get("status"), "this bridge offers no ICE-TCP yet");
        assertEquals(Boolean.TRUE, p.browser.js("return window.checkResult.ok"));
        assertTrue(String.valueOf(p.browser.js("return document.getElementById('summary').textContent")).contains("works"));
        p.browser.js("document.getElementById('checks').scrollIntoView({block: 'center'})");
        p.browser.screenshot(CallPageIT.SCREENSHOTS.resolve("check.png"));
        await("the check's endpoint left", 5000, () -> t.server.bridge().endpointCount() == 0);
    }
}
