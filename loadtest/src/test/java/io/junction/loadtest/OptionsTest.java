package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void parsesAScenario() {
        Options o = Options.parse("--admin", "http://127.0.0.1:18081/", "--conferences", "5", "--publishers", "4",
                "--subscribers", "4", "--video-bitrate", "1.2M", "--duration", "60", "--no-baseline");
        assertEquals("http://127.0.0.1:18081", o.adminUrl());
        assertEquals(40, o.endpoints());
        assertEquals(1_200_000, o.videoBitrateBps());
        assertEquals(60, o.seconds());
        assertTrue(!o.baseline());
        assertEquals(500_000, Options.parse().videoBitrateBps(), "defaults");
    }

    @Test
    void loadStaysOnLoopback() {
        var e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--admin", "http://10.1.2.3:8081"));
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--admin", "https://127.0.0.1:8081"));
        Options.parse("--admin", "http://localhost:8081");
    }

    @Test
    void boundedInCountTimeAndRate() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--conferences", "100", "--publishers", "10", "--subscribers", "11"));
        assertTrue(e.getMessage().contains("at most 2000 endpoints"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--duration", "3601"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--video-bitrate", "5"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--video-bitrate", "fast"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--publishers", "0"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--duration"));
    }
}
