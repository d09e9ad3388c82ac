package io.junction.api.e2e;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

/**
 * Guards the network rule: media tests refuse to run unless every usable interface is loopback (or a
 * veth link to a child namespace the test itself created, see {@link VethNamespace}).
 */
final class LoopbackNamespace {
    private LoopbackNamespace() {}

    static void assertLoopbackOnly() {
        try {
            List<String> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(nif -> {
                        try {
                            // VethNamespace's links to a child namespace of this one (jv*) are allowed
                            return nif.isUp() && !nif.isLoopback() && !nif.getName().startsWith(VethNamespace.PREFIX);
                        } catch (SocketException e) {
                            return true;
                        }
                    })
                    .map(NetworkInterface::getName)
                    .toList();
            if (!others.isEmpty()) {
                throw new IllegalStateException("media tests must run in a loopback-only network namespace "
                        + "(run them with 'mvn verify', which uses src/test/netns/bin/java); found " + others);
            }
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }
}
