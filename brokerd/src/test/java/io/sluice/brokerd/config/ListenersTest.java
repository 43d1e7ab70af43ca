package io.sluice.brokerd.config;

import io.sluice.brokerd.security.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class ListenersTest {
    private static BrokerConfig load(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return BrokerConfig.load(null, m);
    }

    @Test
    void bareHostPortIsThePlaintextListener() {
        BrokerConfig c = load("listeners", "127.0.0.1:19092");
        assertThat(c.listeners()).containsExactly(new Listeners.Listener("PLAINTEXT", SecurityProtocol.PLAINTEXT,
                "127.0.0.1", 19092, "127.0.0.1", -1));
        assertThat(c.interBrokerListenerName()).isEqualTo("PLAINTEXT");
        // The old single advertised address keeps meaning the (PLAINTEXT) listener.
        assertThat(load("listeners", "0.0.0.0:9092", "advertised.listeners", "broker1:9092").advertisedHost()).isEqualTo("broker1");
    }

    @Test
    void severalListenersWithAdvertisedAddressesAndCustomNames() {
        BrokerConfig c = load("listeners", "PLAINTEXT://127.0.0.1:9092,internal://0.0.0.0:9093,SSL://[::1]:9094",
                "advertised.listeners", "INTERNAL://broker1.internal:19093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:SSL,SSL:SSL",
                "inter.broker.listener.name", "internal");
        List<Listeners.Listener> ls = c.listeners();
        assertThat(ls).extracting(Listeners.Listener::name).containsExactly("PLAINTEXT", "INTERNAL", "SSL");
        assertThat(ls.get(1)).isEqualTo(new Listeners.Listener("INTERNAL", SecurityProtocol.SSL, "0.0.0.0", 9093,
                "broker1.internal", 19093));
        assertThat(ls.get(2).host()).isEqualTo("::1");
        assertThat(c.interBrokerListenerName()).isEqualTo("INTERNAL");
        c.checkStartable();
    }

    @Test
    void mistakesNameTheKey() {
        assertThatThrownBy(() -> load("listeners", "EXTERNAL://127.0.0.1:9092"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'listeners'").hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> load("listeners", "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9092"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("port 9092 twice");
        assertThatThrownBy(() -> load("listeners", "SSL://127.0.0.1:9092,SSL://127.0.0.1:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listener SSL twice");
        assertThatThrownBy(() -> load("listeners", "SSL://127.0.0.1:9093", "advertised.listeners", "PLAINTEXT://h:1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'advertised.listeners'").hasMessageContaining("PLAINTEXT");
        assertThatThrownBy(() -> load("listeners", "SSL://127.0.0.1:9093,INTERNAL://127.0.0.1:9094",
                "listener.security.protocol.map", "SSL:SSL,INTERNAL:SSL"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'inter.broker.listener.name' must be set");
        assertThatThrownBy(() -> load("inter.broker.listener.name", "SSL"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'inter.broker.listener.name'");
        assertThatThrownBy(() -> load("listeners", "127.0.0.1:99999"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'listeners'");
        assertThatThrownBy(() -> load("listener.security.protocol.map", "PLAINTEXT:TLS"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'listener.security.protocol.map'");
        assertThatThrownBy(() -> load("listener.name.ssl.ssl.keystore.location", "/x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listener SSL");
        assertThatThrownBy(() -> load("listener.name.plaintext.ssl.keystore.locaton", "/x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config key");
        assertThatThrownBy(() -> load("listeners", "0.0.0.0:9092").checkStartable())
                .isInstanceOf(ConfigException.class).hasMessageContaining("'advertised.listeners'");
    }

    @Test
    void saslListenersServeClientsButNotYetInterBrokerTraffic() {
        BrokerConfig c = load("listeners", "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093",
                "listener.name.sasl_ssl.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        assertThat(c.listeners().get(1).protocol()).isEqualTo(SecurityProtocol.SASL_SSL);
        c.checkStartable();
        assertThat(c.saslEnabledMechanisms("SASL_SSL")).containsExactly("PLAIN", "SCRAM-SHA-512");
        assertThat(c.saslEnabledMechanisms("PLAINTEXT")).containsExactly("SCRAM-SHA-256", "SCRAM-SHA-512");
        BrokerConfig interBroker = load("listeners", "SASL_SSL://127.0.0.1:9093");
        assertThatThrownBy(interBroker::checkStartable).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sasl.inter.broker.credentials.file").hasMessageContaining("SASL_SSL");
        assertThatThrownBy(() -> load("sasl.enabled.mechanisms", "GSSAPI")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sasl.enabled.mechanisms");
        assertThatThrownBy(() -> load("listeners", "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093",
                "listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listener.name.sasl_ssl.sasl.enabled.mechanisms");
    }

    @Test
    void tlsSettingsPerListenerAndOldProtocolsRefused() {
        BrokerConfig c = load("listeners", "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093",
                "ssl.keystore.location", "/etc/a.p12", "listener.name.ssl.ssl.keystore.location", "/etc/b.p12",
                "ssl.client.auth", "required", "metrics.ssl.client.auth", "none");
        assertThat(c.listenerSsl("SSL").keystoreLocation()).hasToString("/etc/b.p12");
        assertThat(c.listenerSsl("SSL").clientAuth()).isEqualTo(io.sluice.brokerd.security.SslConfig.ClientAuth.REQUIRED);
        assertThat(c.metricsSsl().keystoreLocation()).hasToString("/etc/a.p12");
        assertThat(c.metricsSsl().clientAuth()).isEqualTo(io.sluice.brokerd.security.SslConfig.ClientAuth.NONE);
        assertThatThrownBy(() -> load("ssl.enabled.protocols", "TLSv1.3,TLSv1.1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'ssl.enabled.protocols'").hasMessageContaining("refused");
        assertThatThrownBy(() -> load("ssl.principal.mapping.rules", "RULE:x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'ssl.principal.mapping.rules'");
        // Secrets stay out of the start-up log and DescribeConfigs.
        BrokerConfig secret = load("ssl.keystore.password", "hunter2", "listener.name.plaintext.ssl.key.password", "hunter3");
        assertThat(secret.describeMasked()).doesNotContain("hunter2").doesNotContain("hunter3");
        assertThat(BrokerConfigDef.isSensitive("listener.name.plaintext.ssl.key.password")).isTrue();
        assertThat(BrokerConfigDef.isSensitive("ssl.keystore.location")).isFalse();
    }

    @Test
    void keystoreProblemsNameTheKeyOrFile() throws Exception {
        java.nio.file.Path missing = java.nio.file.Path.of("/nonexistent/broker.p12");
        BrokerConfig c = load("listeners", "SSL://127.0.0.1:9093", "ssl.keystore.location", missing.toString());
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(c.listenerSsl("SSL"), true))
                .hasMessageContaining(missing.toString()).hasMessageContaining("'ssl.keystore.location'");
        // An override is named as it was set.
        BrokerConfig overridden = load("listeners", "SSL://127.0.0.1:9093", "listener.name.ssl.ssl.keystore.location", missing.toString());
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(overridden.listenerSsl("SSL"), true))
                .hasMessageContaining("'listener.name.ssl.ssl.keystore.location'");
        BrokerConfig none = load("listeners", "SSL://127.0.0.1:9093");
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(none.listenerSsl("SSL"), true))
                .hasMessageContaining("ssl.keystore.location' must be set");
        BrokerConfig pemPassword = load("listeners", "SSL://127.0.0.1:9093", "ssl.keystore.type", "PEM",
                "ssl.keystore.location", "/x.pem", "ssl.keystore.password", "p");
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(pemPassword.listenerSsl("SSL"), true))
                .hasMessageContaining("ssl.keystore.password").hasMessageContaining("PEM");
    }
}
