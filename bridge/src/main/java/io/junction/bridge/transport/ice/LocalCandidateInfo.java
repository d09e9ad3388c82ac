package io.junction.bridge.transport.ice;

/**
 * A candidate the bridge advertises in its offer.
 *
 * @param type            "host" or "srflx" (a public address from a static NAT mapping)
 * @param relatedAddress  for srflx, the local address it maps to; else null
 */
public record LocalCandidateInfo(String foundation, long priority, String address, int port, String type,
                                 String relatedAddress, int relatedPort) {}
