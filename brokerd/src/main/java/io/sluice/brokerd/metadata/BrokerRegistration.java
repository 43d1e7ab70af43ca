package io.sluice.brokerd.metadata;

import java.util.List;
import java.util.Optional;

/**
 * A broker as the controller knows it (immutable).
 *
 * @param nodeId        node.id
 * @param host          advertised host of its inter-broker listener
 * @param port          advertised port of its inter-broker listener
 * @param rack          broker.rack, empty when not set
 * @param incarnation   random id of the broker process that registered; a restart registers a new one
 * @param fenced        true when the broker missed its heartbeats or shut down: it leads nothing and is not in
 *                      any ISR it could leave
 * @param endpoints     every listener's advertised endpoint; empty in registrations written before brokerd had several
 *                      listeners, which had the one ({@code host}, {@code port}), served to every listener
 * @param logDirOffline true when the broker's data directory went offline after an I/O error: it stays registered
 *                      (and a controller voter) but holds no usable replica until it restarts, so it leads nothing,
 *                      joins no ISR and gets no new replica
 */
public record BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced,
                                 List<Endpoint> endpoints, boolean logDirOffline) {
    public BrokerRegistration {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    /** A registration whose data directory is online. */
    public BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced,
                              List<Endpoint> endpoints) {
        this(nodeId, host, port, rack, incarnation, fenced, endpoints, false);
    }

    /** A registration with a single PLAINTEXT endpoint (tests, and the form before listeners had names). */
    public static BrokerRegistration plaintext(int nodeId, String host, int port, String rack, String incarnation, boolean fenced) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, fenced, List.of(), false);
    }

    public BrokerRegistration withFenced(boolean f) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, f, endpoints, logDirOffline);
    }

    public BrokerRegistration withLogDirOffline() {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, fenced, endpoints, true);
    }

    /** Live and with its data directory online: it may lead, join an ISR and be given new replicas. */
    public boolean canHostReplicas() {
        return !fenced && !logDirOffline;
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
