package io.sluice.brokerd.metadata;

/**
 * A broker as the controller knows it (immutable).
 *
 * @param nodeId        node.id
 * @param host          advertised host
 * @param port          advertised client port
 * @param rack          broker.rack, empty when not set
 * @param incarnation   random id of the broker process that registered; a restart registers a new one
 * @param fenced        true when the broker missed its heartbeats or shut down: it leads nothing and is not in
 *                      any ISR it could leave
 * @param logDirOffline true when the broker's data directory went offline after an I/O error: it stays registered
 *                      (and a controller voter) but holds no usable replica until it restarts, so it leads nothing,
 *                      joins no ISR and gets no new replica
 */
public record BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced,
                                 boolean logDirOffline) {

    /** A registration whose data directory is online. */
    public BrokerRegistration(int nodeId, String host, int port, String rack, String incarnation, boolean fenced) {
        this(nodeId, host, port, rack, incarnation, fenced, false);
    }

    public BrokerRegistration withFenced(boolean f) {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, f, logDirOffline);
    }

    public BrokerRegistration withLogDirOffline() {
        return new BrokerRegistration(nodeId, host, port, rack, incarnation, fenced, true);
    }

    /** Live and with its data directory online: it may lead, join an ISR and be given new replicas. */
    public boolean canHostReplicas() {
        return !fenced && !logDirOffline;
    }
}
