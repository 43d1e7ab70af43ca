package io.sluice.brokerd.metadata;

/**
 * Who this broker is, as Metadata and DescribeCluster report it.
 *
 * @param nodeId    node.id
 * @param clusterId cluster id from meta.properties
 * @param host      advertised host
 * @param port      advertised port (the bound port when configured with 0)
 */
public record BrokerIdentity(int nodeId, String clusterId, String host, int port) {
}
