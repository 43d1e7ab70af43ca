package io.sluice.ops;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * An Admin client for one cluster with the operator's timeouts: a command against an unreachable cluster fails within
 * {@code timeout} instead of retrying for minutes. Not thread-safe beyond what Admin is; close it.
 */
public final class ClusterConnection implements AutoCloseable {
    private final String bootstrap;
    private final Duration timeout;
    private final Admin admin;
    private final Map<String, String> clientProperties;

    public ClusterConnection(String bootstrap, Map<String, String> clientProperties, Duration timeout) {
        this.bootstrap = bootstrap;
        this.timeout = timeout;
        this.clientProperties = Map.copyOf(clientProperties);
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        int ms = (int) timeout.toMillis();
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(ms));
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ms));
        p.putIfAbsent(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "sluice");
        Properties props = new Properties();
        props.putAll(p);
        this.admin = Admin.create(props);
    }

    public Admin admin() {
        return admin;
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** The client properties it was made with (security settings included), for error messages that name them. */
    public Map<String, String> clientProperties() {
        return clientProperties;
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
