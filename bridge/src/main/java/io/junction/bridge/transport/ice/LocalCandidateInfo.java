package io.junction.bridge.transport.ice;

/**
 * A candidate the bridge advertises in its offer.
 *
 * @param type            "host" or "srflx" (a public address from a static NAT mapping)
 * @param relatedAddress  for srflx, the local address it maps to; else null
 * @param tcp             an ICE-TCP passive candidate (RFC 6544) rather than UDP
 */
public record LocalCandidateInfo(String foundation, long priority, String address, int port, String type,
                                 String relatedAddress, int relatedPort, boolean tcp) {
    /** A UDP candidate. */
    public LocalCandidateInfo(String foundation, long priority, String address, int port, String type,
                              String relatedAddress, int relatedPort) {
        this(foundation, priority, address, port, type, relatedAddress, relatedPort, false);
    }
}
