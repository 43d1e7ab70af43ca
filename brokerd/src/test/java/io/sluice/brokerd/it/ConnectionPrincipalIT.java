package io.sluice.brokerd.it;

import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.ListenerConfig;
import io.sluice.brokerd.network.NetworkServer;
import io.sluice.brokerd.network.RequestObserver;
import io.sluice.brokerd.security.SecurityProtocol;
import io.sluice.brokerd.security.SslFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The principal seam as a handler sees it ({@code RequestContext.session()}), through real clients: a network server
 * whose Metadata handler answers with the request's principal and listener as the cluster id. PLAINTEXT connections
 * are User:ANONYMOUS; on an SSL listener with {@code ssl.client.auth=requested} a client without a certificate is
 * ANONYMOUS and one with a certificate is named by {@code ssl.principal.mapping.rules}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionPrincipalIT {
    static NetworkServer server;
    static Map<String, InetSocketAddress> bound;
    static TestCerts certs;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.get();
        BrokerConfig config = BrokerConfig.load(null, Map.of("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
                "ssl.keystore.location", certs.keystore("broker").toString(), "ssl.keystore.password", TestCerts.PASSWORD,
                "ssl.truststore.location", certs.truststore.toString(), "ssl.truststore.password", TestCerts.PASSWORD,
                "ssl.client.auth", "requested", "ssl.principal.mapping.rules", "RULE:^CN=([^,]*),OU=eng,.*$/$1@eng/U,DEFAULT"));
        SslFactory ssl = SslFactory.create(config.listenerSsl("SSL"), true);
        ApiRegistry apis = new ApiRegistry();
        apis.register(ApiKeys.METADATA, 0, 13, (ctx, request) -> {
            InetSocketAddress me = bound.get(ctx.session().listenerName());
            MetadataResponseData resp = new MetadataResponseData()
                    .setClusterId(ctx.session().principal() + " on " + ctx.session().listenerName() + "/" + ctx.session().securityProtocol())
                    .setControllerId(1);
            resp.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("127.0.0.1").setPort(me.getPort()));
            return CompletableFuture.completedFuture(resp);
        });
        server = new NetworkServer(config.networkConfig(), List.of(
                new ListenerConfig("PLAINTEXT", SecurityProtocol.PLAINTEXT, "127.0.0.1", 0, null),
                new ListenerConfig("SSL", SecurityProtocol.SSL, "127.0.0.1", 0, ssl)),
                apis, Clock.systemUTC(), Runnable::run, RequestObserver.NONE);
        bound = server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close(1000);
        }
    }

    private static String clusterIdAs(String listener, Map<String, Object> tls) throws Exception {
        Map<String, Object> p = new HashMap<>(tls);
        p.put("bootstrap.servers", "127.0.0.1:" + bound.get(listener).getPort());
        p.put("request.timeout.ms", 10000);
        p.put("default.api.timeout.ms", 15000);
        try (Admin admin = Admin.create(p)) {
            return admin.describeCluster().clusterId().get();
        }
    }

    @Test
    void plaintextIsAnonymous() throws Exception {
        assertThat(clusterIdAs("PLAINTEXT", Map.of())).isEqualTo("User:ANONYMOUS on PLAINTEXT/PLAINTEXT");
    }

    @Test
    void sslWithoutACertificateIsAnonymousWithOneTheMappedSubject() throws Exception {
        assertThat(clusterIdAs("SSL", TlsIT.clientTlsWith(certs, null))).isEqualTo("User:ANONYMOUS on SSL/SSL");
        assertThat(clusterIdAs("SSL", TlsIT.clientTlsWith(certs, "alice"))).isEqualTo("User:ALICE@ENG on SSL/SSL");
        // A certificate outside OU=eng falls through to DEFAULT: its whole subject.
        assertThat(clusterIdAs("SSL", TlsIT.clientTlsWith(certs, "broker"))).isEqualTo("User:CN=localhost,OU=brokers,O=Sluice on SSL/SSL");
    }
}
