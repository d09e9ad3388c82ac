package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The call page as people see it, in real Chromium: the landing page shows no call UI, a 4-person
 * call lays out aspect-correct tiles, camera-off participants show initials, the spotlight makes
 * one participant large, per-tile statistics, leave then rejoin, and joining an endpoint made
 * through the REST API with ?token= or ?signalingUrl=. Screenshots go to docs/screenshots/.
 */
class CallPageIT extends BrowserTest {
    static final Path SCREENSHOTS = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/screenshots");

    private static boolean visible(Browser b, String selector) {
        return Boolean.TRUE.equals(b.js("const e = document.querySelector(arguments[0]);"
                + "return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'", selector));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rect(Browser b, String selector) {
        return (Map<String, Object>) b.js("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                + "return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right}", selector);
    }

    private static double num(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).doubleValue();
    }

    @Test
    void landingCallSpotlightLeaveAndRejoin() throws Exception {
        // The landing page: a join card and nothing of a call.
        Participant ada = new Participant("Ada");
        participants.add(ada);
        ada.browser.open(t.publicUrl("/?room=standup&name=Ada"));
        await("the preview runs", 10000, () -> visible(ada.browser, "#preview") && !visible(ada.browser, "#preview-empty"));
        for (String hidden : List.of("#call", "#room-info", "#local-tile", "#left-card")) {
            assertTrue(!visible(ada.browser, hidden), hidden + " must not show before joining");
        }
        Map<String, Object> card = rect(ada.browser, "#join-card");
        Map<String, Object> button = rect(ada.browser, "#join-button");
        assertTrue(num(button, "right") <= num(card, "right") - 10, "the Join button inside the card: " + button + " " + card);
        ada.browser.screenshot(SCREENSHOTS.resolve("landing.png"));

        // Four people in a call.
        ada.browser.js("document.getElementById('join-button').click()");
        Participant bob = join("Bob", "standup");
        Participant cy = join("Cy", "standup");
        Participant dee = join("Dee Dee", "standup");
        for (Participant p : participants) {
            await(p.name + " joined", 20000, p::joined);
        }
        await("Ada decodes the three others", 30000, () -> {
            Map<String, Participant.Remote> r = ada.remotes();
            return r.size() == 3 && r.values().stream().allMatch(x -> x.framesDecoded() > 10);
        });
        // Dee turns the camera off: the others see initials, not a black or frozen tile.
        dee.browser.js("document.getElementById('toggle-video').click()");
        String deeTile = ".tile[data-endpoint-id=\"" + dee.endpointId() + "\"]";
        await("Ada sees Dee's camera off", 10000, () -> visible(ada.browser, deeTile + " .placeholder")
                && !visible(ada.browser, deeTile + " video"));
        assertEquals("DD", ada.browser.js("return document.querySelector(arguments[0] + ' .initials').textContent", deeTile));
        dee.browser.js("document.getElementById('toggle-audio').click()");
        await("Ada sees Dee's microphone muted", 10000, () -> visible(ada.browser, deeTile + " .mic-off"));
        // Tiles are 16:9 and the same size.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> tiles = (List<Map<String, Object>>) ada.browser.js(
                "return [...document.querySelectorAll('.tile')].map(t => { const r = t.getBoundingClientRect(); return {w: r.width, h: r.height}; })");
        assertEquals(4, tiles.size());
        for (Map<String, Object> tile : tiles) {
            double ratio = num(tile, "w") / num(tile, "h");
            assertTrue(Math.abs(ratio - 16.0 / 9) < 0.05, "16:9 tiles: " + tiles);
            assertTrue(num(tile, "w") >= 300, "tiles use the stage: " + tiles);
        }
        ada.browser.js("document.getElementById('toggle-stats').click()");
        String bobTile = ".tile[data-endpoint-id=\"" + bob.endpointId() + "\"]";
        await("per-tile statistics", 10000, () -> String.valueOf(ada.browser.js(
                "return document.querySelector(arguments[0] + ' .stats').textContent", bobTile)).matches("(?s)\\d+×\\d+ .*kbit/s.*"));
        Thread.sleep(1500);
        ada.browser.screenshot(SCREENSHOTS.resolve("call-4.png"));

        // Spotlight: Bob large, the others in a filmstrip.
        ada.browser.js("document.querySelector(arguments[0]).click()", bobTile);
        await("Bob in the spotlight", 10000, () -> num(rect(ada.browser, bobTile), "w")
                > 2 * num(rect(ada.browser, ".tile[data-endpoint-id=\"" + cy.endpointId() + "\"]"), "w"));
        await("the bridge puts Bob on Ada's stage", 10000, () -> bob.endpointId().equals(ada.browser.js(
                "return window.junctionRoom.constraints.onStage[0]")));
        Thread.sleep(2500);
        ada.browser.screenshot(SCREENSHOTS.resolve("spotlight.png"));

        // Last-N 1: the bridge forwards only Bob's video; Cy's tile shows initials, not a frozen frame.
        String cyTile = ".tile[data-endpoint-id=\"" + cy.endpointId() + "\"]";
        ada.browser.js("window.junctionRoom.setConstraints({ lastN: 1, onStage: [arguments[0]] })", bob.endpointId());
        await("Cy's video held back shows as paused", 15000, () -> Boolean.TRUE.equals(ada.browser.js(
                "return document.querySelector(arguments[0]).classList.contains('video-paused')", cyTile))
                && visible(ada.browser, cyTile + " .paused") && visible(ada.browser, cyTile + " .placeholder"));
        assertTrue(!visible(ada.browser, bobTile + " .paused"), "Bob, on stage, keeps his video");
        ada.browser.js("window.junctionRoom.setConstraints({ onStage: [arguments[0]] })", bob.endpointId());
        await("Cy's video back", 15000, () -> Boolean.FALSE.equals(ada.browser.js(
                "return document.querySelector(arguments[0]).classList.contains('video-paused')", cyTile)));

        // Leave: no stale tiles, a Rejoin button that works.
        ada.browser.js("document.getElementById('leave').click()");
        await("the left card", 10000, () -> visible(ada.browser, "#left-card") && visible(ada.browser, "#rejoin"));
        assertEquals(0L, ((Number) ada.browser.js("return document.querySelectorAll('.tile.remote').length")).longValue());
        assertTrue(!visible(ada.browser, "#call"));
        ada.browser.js("document.getElementById('rejoin').click()");
        await("Ada back in the call", 20000, ada::joined);
        await("Ada decodes Bob and Cy again", 30000, () -> {
            Map<String, Participant.Remote> r = ada.remotes();
            return r.containsKey(bob.endpointId()) && r.get(bob.endpointId()).framesDecoded() > 10
                    && r.containsKey(cy.endpointId()) && r.get(cy.endpointId()).framesDecoded() > 10;
        });
        await("Dee's mute state survives Ada's rejoin (in the welcome)", 10000,
                () -> visible(ada.browser, deeTile + " .placeholder") && visible(ada.browser, deeTile + " .mic-off"));
    }

    @Test
    void endpointsFromTheRestApiJoinWithTokenOrSignalingUrl() throws Exception {
        String conference = TestServer.json(t.admin("POST", "/v1/conferences", "{\"name\":\"board\"}")).get("id").asText();
        JsonNode a = TestServer.json(t.admin("POST", "/v1/conferences/" + conference + "/endpoints", "{\"displayName\":\"Ann\"}"));
        JsonNode b = TestServer.json(t.admin("POST", "/v1/conferences/" + conference + "/endpoints", "{\"displayName\":\"Ben\"}"));
        Participant ann = new Participant("Ann");
        participants.add(ann);
        ann.browser.open(t.publicUrl("/?token=" + URLEncoder.encode(a.get("token").asText(), StandardCharsets.UTF_8)));
        Participant ben = new Participant("Ben");
        participants.add(ben);
        ben.browser.open(t.publicUrl("/?signalingUrl=" + URLEncoder.encode(b.get("signalingUrl").asText(), StandardCharsets.UTF_8)));
        await("Ann joined as her endpoint", 20000, () -> a.get("id").asText().equals(ann.endpointId()));
        await("Ben joined as his endpoint", 20000, () -> b.get("id").asText().equals(ben.endpointId()));
        await("they decode each other", 30000, () -> ann.remotes().containsKey(b.get("id").asText())
                && ann.remotes().get(b.get("id").asText()).framesDecoded() > 10
                && ben.remotes().containsKey(a.get("id").asText()) && ben.remotes().get(a.get("id").asText()).framesDecoded() > 10);
        assertEquals("Ann", ann.browser.js("return document.getElementById('local-name').textContent"));
        assertEquals("Ben", ann.browser.js("return document.querySelector('.tile.remote .name').textContent"));
        assertTrue(!visible(ann.browser, "#room-label"), "no room to choose for an endpoint from the REST API");
        // an endpoint's token is spent once it leaves: no Rejoin offered
        ann.browser.js("document.getElementById('leave').click()");
        await("Ann's left card", 10000, () -> visible(ann.browser, "#left-card"));
        assertTrue(!visible(ann.browser, "#rejoin"));
    }
}
