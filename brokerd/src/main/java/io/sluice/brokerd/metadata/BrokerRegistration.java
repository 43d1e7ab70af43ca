package io.sluice.brokerd.metadata;

/**
 * A broker as the controller knows it (immutable).
 *
 * @param nodeId      node.id
 * @param host        advertised host
 * @param port        advertised client port
 * @param rack        broker.rack, empty when not set
 * @param incarnation random id of the broker process that registered; a restart registers a new one
 * @param fenced      true when the broker missed its heartbeats or shut down: it leads nothing and is not in
 *                    any ISR it could leave
 */
public record BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced) {
    public BrokerRegistration withFenced(boolean f) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, f);
    }
}
