package io.junction.api.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.api.config.ConfigError;
import io.junction.api.config.ConfigLoader;
import io.junction.api.config.JunctionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Coverage-guided fuzzing of configuration loading: any file content and any environment override
 * gives either a {@link ConfigError} that names what is wrong, or a configuration whose values are
 * in range. Never another exception (the process would die with a stack trace instead of exit code 2).
 */
class ConfigFuzzTest {
    private static final String[] ENV = ConfigLoader.ENV_OVERRIDES.keySet().toArray(String[]::new);

    @FuzzTest
    void config(FuzzedDataProvider in) throws Exception {
        Map<String, String> env = new HashMap<>();
        for (int i = in.consumeInt(0, 3); i > 0; i--) {
            env.put(ENV[in.consumeInt(0, ENV.length - 1)], in.consumeString(40));
        }
        String text = in.consumeRemainingAsString();
        Path file = Files.createTempFile("junction-fuzz", ".conf");
        try {
            Files.writeString(file, text);
            JunctionConfig c;
            try {
                c = ConfigLoader.load(file, env);
            } catch (ConfigError e) {
                assertNotNull(e.getMessage());
                assertFalse(e.getMessage().isBlank());
                return;
            }
            assertTrue(c.http().port() >= 0 && c.http().port() <= 65535);
            assertTrue(c.admin().port() >= 0 && c.admin().port() <= 65535);
            assertTrue(c.bridge().mediaPort() >= 0 && c.bridge().mediaPort() <= 65535);
            assertTrue(c.bridge().maxConferences() >= 1 && c.bridge().maxEndpointsPerConference() >= 1);
            assertTrue(!c.admin().apiKey().isEmpty() || isLoopbackHost(c.admin().host()),
                    "an admin API beyond loopback without a key: " + c.admin().host());
            assertTrue(c.http().requestTimeout().toMillis() > 0 && c.demo().joinRate() > 0);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static boolean isLoopbackHost(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
