package io.junction.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.BridgeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private JunctionConfig load(String hocon, Map<String, String> env) throws Exception {
        Path f = dir.resolve("j.conf");
        Files.writeString(f, hocon);
        return ConfigLoader.load(f, env);
    }

    private String error(String hocon) {
        return assertThrows(ConfigError.class, () -> load(hocon, Map.of())).getMessage();
    }

    @Test
    void embeddedDefaults() throws Exception {
        JunctionConfig c = ConfigLoader.load(null, Map.of());
        assertEquals("0.0.0.0", c.http().host());
        assertEquals(8080, c.http().port());
        assertEquals("127.0.0.1", c.admin().host());
        assertEquals(8081, c.admin().port());
        assertEquals(10000, c.bridge().mediaPort());
        assertEquals(Duration.ofSeconds(60), c.bridge().emptyConferenceTimeout());
        assertEquals(Duration.ofMinutes(10), c.signaling().tokenTtl());
        assertEquals(JunctionConfig.OpenRooms.LOOPBACK, c.demo().openRooms(), "the quick start serves open rooms to this machine only");
        assertEquals(BridgeConfig.SrtpCrypto.AUTO, c.bridge().srtpCrypto());
    }

    @Test
    void exampleConfigInRepositoryLoads() throws Exception {
        Path example = Path.of("..", "config", "junction.conf");
        assertTrue(Files.exists(example), "config/junction.conf must exist");
        JunctionConfig c = ConfigLoader.load(example, Map.of("JUNCTION_API_KEY", "k".repeat(40)));
        assertEquals(JunctionConfig.OpenRooms.OFF, c.demo().openRooms(), "the production example disables open rooms");
    }

    @Test
    void fileOverridesDefaultsAndEnvironmentOverridesFile() throws Exception {
        JunctionConfig c = load("junction.http.port = 9000\njunction.media.port = 11000\n",
                Map.of("JUNCTION_MEDIA_PORT", "12000", "JUNCTION_PUBLIC_IP", "203.0.113.7",
                        "JUNCTION_ADMIN_PORT", "9100", "JUNCTION_API_KEY", "secret",
                        "JUNCTION_ADMIN_HOST", "0.0.0.0", "JUNCTION_HTTP_PORT", "9001", "JUNCTION_OPEN_ROOMS", "true"));
        assertEquals(9001, c.http().port());
        assertEquals(12000, c.bridge().mediaPort());
        assertEquals("203.0.113.7", c.bridge().publicIp());
        assertEquals(9100, c.admin().port());
        assertEquals("0.0.0.0", c.admin().host());
        assertEquals("secret", c.admin().apiKey());
        assertEquals(JunctionConfig.OpenRooms.ON, c.demo().openRooms());
    }

    @Test
    void staticMappingsAndAddresses() throws Exception {
        JunctionConfig c = load("""
                junction.media.addresses = ["10.0.0.5"]
                junction.media.static-mappings = [ { local = "10.0.0.5", public = "203.0.113.7" } ]
                """, Map.of());
        assertEquals(1, c.bridge().staticMappings().size());
        assertEquals("203.0.113.7", c.bridge().staticMappings().get(0).publicAddress());
        assertEquals("10.0.0.5", c.bridge().advertisedAddresses().get(0));
    }

    @Test
    void publisherBitrateCapAcceptsPlainAndSuffixedValues() throws Exception {
        assertEquals(0, ConfigLoader.load(null, Map.of()).bridge().maxPublisherBitrateBps(), "no cap by default");
        assertEquals(2_500_000, load("junction.media.max-publisher-bitrate = \"2.5M\"", Map.of()).bridge().maxPublisherBitrateBps());
        assertEquals(400_000, load("junction.media.max-publisher-bitrate = 400k", Map.of()).bridge().maxPublisherBitrateBps());
        assertEquals(300_000, load("junction.media.max-publisher-bitrate = 300000", Map.of()).bridge().maxPublisherBitrateBps());
        String m = error("junction.media.max-publisher-bitrate = fast");
        assertTrue(m.startsWith("junction.media.max-publisher-bitrate: expected a bitrate in bits per second"), m);
        assertTrue(error("junction.media.max-publisher-bitrate = -5").startsWith("junction.media.max-publisher-bitrate"));
    }

    @Test
    void videoCodecsInOrderOfPreference() throws Exception {
        assertEquals(List.of("VP8", "VP9", "H264", "AV1"), ConfigLoader.load(null, Map.of()).bridge().forwarding().videoCodecs());
        assertEquals(List.of("VP9", "VP8"),
                load("junction.media.video-codecs = [\"vp9\", \"VP8\"]", Map.of()).bridge().forwarding().videoCodecs());
        String m = error("junction.media.video-codecs = [\"vp9\", \"theora\"]");
        assertTrue(m.startsWith("junction.media.video-codecs: unknown video codec 'theora'"), m);
        assertTrue(error("junction.media.video-codecs = []").startsWith("junction.media.video-codecs: no video codec"));
        assertTrue(error("junction.media.video-codecs = [vp8, vp8]").contains("twice"));
        assertTrue(error("junction.media.video-codecs = vp8").startsWith("junction.media.video-codecs: expected a list"));
        var defaults = ConfigLoader.load(null, Map.of()).bridge().forwarding();
        assertTrue(defaults.audioRed() && !defaults.opusDtx() && !defaults.opusStereo(), "RED on, DTX off, mono");
        var f = load("junction.media { audio-red = false, opus-dtx = true, opus-stereo = true }", Map.of()).bridge().forwarding();
        assertTrue(!f.audioRed() && f.opusDtx() && f.opusStereo());
        assertEquals(List.of(111), f.audioCodecs().stream().map(c -> c.payloadType()).toList());
    }

    @Test
    void clusterIsOffByDefaultAndCheckedWhenOn() throws Exception {
        assertTrue(!ConfigLoader.load(null, Map.of()).cluster().enabled(), "one bridge alone by default");
        String secret = "junction.signaling.token-secret = \"0123456789abcdef0123456789abcdef\"\n";
        var c = load(secret + "junction.cluster { redis = \"redis://10.0.0.9:6379\", region = eu-west }",
                Map.of("JUNCTION_BRIDGE_ID", "sfu-1", "JUNCTION_REDIS_URL", "rediss://:pw@redis.example.com:6380")).cluster();
        assertTrue(c.enabled());
        assertEquals("rediss://:pw@redis.example.com:6380", c.redis(), "the environment overrides the file");
        assertEquals("sfu-1", c.bridgeId());
        assertEquals("eu-west", c.region());
        assertEquals(java.time.Duration.ofSeconds(10), c.ttl());
        assertTrue(error("junction.cluster.redis = \"redis://10.0.0.9:6379\"").startsWith("junction.signaling.token-secret: required"),
                "bridges check each other's join tokens only with a shared secret");
        assertTrue(error(secret + "junction.cluster.redis = \"http://10.0.0.9\"").startsWith("junction.cluster.redis: expected"));
        assertTrue(error(secret + "junction.cluster { redis = \"redis://r\", bridge-id = \"a b\" }").startsWith("junction.cluster.bridge-id"));
        assertTrue(error(secret + "junction.cluster { redis = \"redis://r\", heartbeat = 5s, ttl = 6s }").startsWith("junction.cluster.ttl"));
    }

    @Test
    void portOutOfRangeNamesKeyAndForm() {
        String m = error("junction.http.port = 70000");
        assertTrue(m.startsWith("junction.http.port: expected an integer from 0 to 65535"), m);
        assertTrue(m.contains("70000"), m);
    }

    @Test
    void wrongTypeNamesKey() {
        String m = error("junction.media.port = \"ten thousand\"");
        assertTrue(m.startsWith("junction.media.port: expected"), m);
        m = error("junction.demo.open-rooms = maybe");
        assertTrue(m.startsWith("junction.demo.open-rooms: expected true, false or loopback"), m);
        m = error("junction.media.consent-timeout = forever");
        assertTrue(m.startsWith("junction.media.consent-timeout: expected a positive duration"), m);
    }

    @Test
    void unknownEnumValue() {
        String m = error("junction.media.srtp-crypto = fastest");
        assertTrue(m.startsWith("junction.media.srtp-crypto: expected one of auto, native, openssl, java"), m);
    }

    @Test
    void unknownKeyIsRejected() {
        String m = error("junction.http.prot = 80");
        assertTrue(m.startsWith("junction.http.prot: unknown key"), m);
    }

    @Test
    void sectionReplacedByAValueNamesIt() {
        // Found by ConfigFuzzTest: the library's WrongType escaped as a stack trace.
        Map<String, String> expected = Map.of(
                "junction = \"x\"", "junction: must be an object (junction { … }), not string",
                "junction = [1, 2]", "junction: must be an object (junction { … }), not list",
                "junction.http = 8080", "junction.http");
        expected.forEach((text, start) -> assertTrue(error(text).startsWith(start), text + ": " + error(text)));
    }

    @Test
    void keysOutsideJunctionAreRejected() {
        String m = error("media { port = 20000 }");
        assertTrue(m.contains("media: unknown top-level key (did you mean junction.media?)"), m);
        m = error("junction.http.port = 8080\njuncton.admin.port = 9\n");
        assertTrue(m.contains("juncton: unknown top-level key (Junction reads only keys under junction"), m);
    }

    @Test
    void publicIpAutoNeedsStunServers() throws Exception {
        JunctionConfig c = load("junction.media.public-ip = auto", Map.of());
        assertEquals("auto", c.bridge().publicIp());
        assertTrue(c.bridge().stunServers().contains("stun.l.google.com:19302"), c.bridge().stunServers().toString());
        assertEquals("auto", load("", Map.of("JUNCTION_PUBLIC_IP", "auto")).bridge().publicIp());
        assertTrue(error("junction.media { public-ip = auto, stun-servers = [] }").contains("needs at least one STUN server"));
        assertTrue(error("junction.media.stun-servers = [\"stun:x y\"]").startsWith("junction.media.stun-servers:"));
        assertEquals(java.util.List.of("[::1]:3478", "198.18.0.1"),
                load("junction.media.stun-servers = [\"[::1]:3478\", \"198.18.0.1\"]", Map.of()).bridge().stunServers());
    }

    @Test
    void turnServersNeedASecret() throws Exception {
        assertTrue(error("junction.turn.servers = [\"turn:198.18.0.1:3478\"]").startsWith("junction.turn.secret: required"));
        assertTrue(error("junction.turn { servers = [\"http://x\"], secret = \"0123456789abcdef\" }").startsWith("junction.turn.servers:"));
        JunctionConfig c = load("junction.turn.servers = [\"turn:198.18.0.1:3478?transport=udp\", \"turns:t.example.com:443?transport=tcp\"]",
                Map.of("JUNCTION_TURN_SECRET", "0123456789abcdef"));
        assertTrue(c.turn().enabled());
        assertEquals("0123456789abcdef", c.turn().secret());
        assertFalse(load("", Map.of()).turn().enabled(), "no TURN by default");
    }

    @Test
    void badAddresses() {
        assertTrue(error("junction.media.public-ip = \"example.com\"").startsWith("junction.media.public-ip:"));
        assertTrue(error("junction.media.addresses = [\"1.2.3\"]").startsWith("junction.media.addresses:"));
        assertTrue(error("junction.media.static-mappings = [ { local = \"1.2.3.4\" } ]")
                .startsWith("junction.media.static-mappings:"));
        assertTrue(error("junction.http.public-base-url = \"ftp://x\"").startsWith("junction.http.public-base-url:"));
    }

    @Test
    void adminOnPublicAddressNeedsKey() {
        String m = error("junction.admin.host = \"0.0.0.0\"");
        assertTrue(m.startsWith("junction.admin.api-key: required"), m);
    }

    @Test
    void shortTokenSecretRejected() {
        assertTrue(error("junction.signaling.token-secret = \"short\"").startsWith("junction.signaling.token-secret:"));
    }

    @Test
    void missingFileIsAnError() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(dir.resolve("nope.conf"), Map.of()));
        assertTrue(e.getMessage().contains("nope.conf"));
    }

    @Test
    void syntaxErrorIsAnError() {
        assertThrows(ConfigError.class, () -> load("junction { http { port = ", Map.of()));
    }
}
