package io.sluice.brokerd.metadata;

import java.util.List;
import java.util.Optional;

/**
 * A broker as the controller knows it (immutable).
 *
 * @param nodeId      node.id
 * @param host        advertised host of its inter-broker listener
 * @param port        advertised port of its inter-broker listener
 * @param rack        broker.rack, empty when not set
 * @param incarnation random id of the broker process that registered; a restart registers a new one
 * @param fenced      true when the broker missed its heartbeats or shut down: it leads nothing and is not in
 *                    any ISR it could leave
 * @param endpoints   every listener's advertised endpoint; empty in registrations written before brokerd had several
 *                    listeners, which had the one ({@code host}, {@code port}), served to every listener
 */
public record BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced,
                                 List<Endpoint> endpoints) {
    public BrokerRegistration {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    /** A registration with a single PLAINTEXT endpoint (tests, and the form before listeners had names). */
    public static BrokerRegistration plaintext(int nodeId, String host, int port, String rack, String incarnation, boolean fenced) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, fenced, List.of());
    }

    public BrokerRegistration withFenced(boolean f) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, f, endpoints);
    }

    /**
     * This broker's endpoint on listener {@code listener} (upper case), as Kafka answers Metadata with the addresses
     * of the listener the request came in on; empty when the broker has no such listener.
     */
    public Optional<Endpoint> endpoint(String listener) {
        if (endpoints.isEmpty()) {
            return Optional.of(new Endpoint(listener, host, port, "PLAINTEXT"));
        }
        return endpoints.stream().filter(e -> e.listener().equals(listener)).findFirst();
    }
}
