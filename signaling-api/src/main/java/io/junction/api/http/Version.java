package io.junction.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Build version, from the Maven-filtered {@code junction-version.properties}. */
public final class Version {
    public static final String VERSION = load();

    private Version() {}

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/junction-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
