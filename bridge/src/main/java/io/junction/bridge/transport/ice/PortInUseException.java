package io.junction.bridge.transport.ice;

import java.io.IOException;

/**
 * The media port is held by another socket (another Junction, or any process). ice4j binds with
 * {@code SO_REUSEPORT}, so without this check a second bridge would start and the kernel would
 * spread the first one's datagrams over both.
 */
public final class PortInUseException extends IOException {
    public PortInUseException(String message) {
        super(message);
    }
}
