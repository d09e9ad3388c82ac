package io.junction.api.config;

/** A configuration problem; the message names the key and the expected form. Start-up exits with code 2. */
public final class ConfigError extends Exception {
    public ConfigError(String message) {
        super(message, null, false, false);
    }
}
