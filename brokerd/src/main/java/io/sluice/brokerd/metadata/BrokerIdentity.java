package io.sluice.brokerd.metadata;

import java.util.List;
import java.util.Optional;

/**
 * Who this broker is, as Metadata and DescribeCluster report it.
 *
 * @param nodeId    node.id
 * @param clusterId cluster id from meta.properties
 * @param host      advertised host of the inter-broker listener
 * @param port      advertised port of the inter-broker listener (the bound port when configured with 0)
 * @param endpoints every listener's advertised endpoint
 */
public record BrokerIdentity(int nodeId, String clusterId, String host, int port, List<Endpoint> endpoints) {
    public BrokerIdentity {
        endpoints = List.copyOf(endpoints);
    }

    /** The registration this broker stands for before its own is committed. */
    public BrokerRegistration asRegistration() {
        return new BrokerRegistration(nodeId, host, port, "", "", false, endpoints);
    }

    public Optional<Endpoint> endpoint(String listener) {
        return asRegistration().endpoint(listener);
    }
}
