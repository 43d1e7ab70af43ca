package io.sluice.brokerd.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS listeners with real clients: one broker with a PLAINTEXT and an SSL listener (server authentication), one
 * with mutual TLS required. The Java client, kcat and confluent-kafka-python connect over SSL; untrusted, expired and
 * absent client certificates are refused; a plaintext client on the TLS port is closed with one log line; the
 * certificate is rotated without a restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsIT {
    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    @TempDir
    static Path tmp;
    static TestCerts certs;
    static Broker broker;
    static Broker mtls;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.get();
        certs.sign("rotating", "CN=localhost,OU=first", "ca", false);
        Map<String, String> c = new HashMap<>(serverTls("rotating"));
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
        c.put("ssl.reload.check.interval.ms", "200");
        broker = ItSupport.startBroker(tmp.resolve("one"), c);
        Map<String, String> m = new HashMap<>(serverTls("broker"));
        m.put("listeners", "SSL://127.0.0.1:0");
        m.put("ssl.client.auth", "required");
        mtls = ItSupport.startBroker(tmp.resolve("mtls"), m);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (mtls != null) {
            mtls.close();
        }
    }

    static Map<String, String> serverTls(String cert) throws Exception {
        TestCerts certs = TestCerts.get();
        return Map.of("ssl.keystore.location", certs.keystore(cert).toString(), "ssl.keystore.password", TestCerts.PASSWORD,
                "ssl.truststore.location", certs.truststore.toString(), "ssl.truststore.password", TestCerts.PASSWORD);
    }

    static Map<String, Object> clientTls(String cert) {
        return clientTlsWith(certs, cert);
    }

    /** Java client settings for SSL, trusting the test CA, with certificate {@code cert} (null: none). */
    static Map<String, Object> clientTlsWith(TestCerts certs, String cert) {
        Map<String, Object> p = new HashMap<>();
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.location", certs.truststore.toString());
        p.put("ssl.truststore.password", TestCerts.PASSWORD);
        p.put("ssl.truststore.type", "PKCS12");
        if (cert != null) {
            p.put("ssl.keystore.location", certs.keystore(cert).toString());
            p.put("ssl.keystore.password", TestCerts.PASSWORD);
            p.put("ssl.keystore.type", "PKCS12");
        }
        return p;
    }

    static Admin admin(String bootstrap, Map<String, Object> tls) {
        Map<String, Object> p = new HashMap<>(tls);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        return Admin.create(p);
    }

    @Test
    void javaClientProducesAndConsumesOverSslAndMetadataAnswersTheSslListener() throws Exception {
        String ssl = broker.bootstrapServers("SSL");
        try (Admin admin = admin(ssl, clientTls(null))) {
            // Metadata answers with the addresses of the listener the request came in on.
            List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get());
            assertThat(nodes).singleElement().extracting(Node::port).isEqualTo(broker.boundAddress("SSL").getPort());
            ItSupport.createTopic(admin, "tls-topic", 1, Map.of());
        }
        try (Admin plain = ItSupport.admin(broker.bootstrapServers("PLAINTEXT"))) {
            assertThat(plain.describeCluster().nodes().get()).singleElement().extracting(Node::port)
                    .isEqualTo(broker.boundAddress("PLAINTEXT").getPort());
            // The keystore password is described as Kafka describes secrets: sensitive, without its value.
            org.apache.kafka.common.config.ConfigResource res = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, String.valueOf(broker.nodeId()));
            org.apache.kafka.clients.admin.ConfigEntry password = plain.describeConfigs(List.of(res)).all().get().get(res)
                    .get("ssl.keystore.password");
            assertThat(password.isSensitive()).isTrue();
            assertThat(password.value()).isNull();
        }
        // Values big enough that a fetch response spans many TLS records and several file reads of FileSliceChunks.
        byte[] value = new byte[100_000];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        Map<String, Object> producerConfig = new HashMap<>(clientTls(null));
        producerConfig.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(ssl, producerConfig)) {
            for (int i = 0; i < 60; i++) {
                value[0] = (byte) i;
                p.send(new ProducerRecord<>("tls-topic", ("k" + i).getBytes(), value.clone())).get();
            }
        }
        Map<String, Object> consumerConfig = new HashMap<>(clientTls(null));
        consumerConfig.put("fetch.max.bytes", 4 * 1024 * 1024);
        consumerConfig.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        try (var c = ItSupport.consumer(ssl, consumerConfig)) {
            TopicPartition tp = new TopicPartition("tls-topic", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < 60 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertThat(got).hasSize(60);
        for (int i = 0; i < 60; i++) {
            value[0] = (byte) i;
            assertThat(got.get(i).offset()).isEqualTo(i);
            assertThat(Arrays.equals(got.get(i).value(), value)).as("value of offset %d", i).isTrue();
        }
        // The same log read over the plaintext listener (sendfile) is identical.
        List<ConsumerRecord<byte[], byte[]>> plain = ItSupport.readAll(broker.bootstrapServers("PLAINTEXT"),
                new TopicPartition("tls-topic", 0), 0, 60, Duration.ofSeconds(30));
        assertThat(plain).hasSize(60);
        assertThat(plain.get(59).value()).isEqualTo(got.get(59).value());
    }

    @Test
    void mutualTlsAcceptsTheCasCertificatesAndRefusesNoneUntrustedOrExpired() throws Exception {
        String bootstrap = mtls.bootstrapServers("SSL");
        try (Admin admin = admin(bootstrap, clientTls("alice"))) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
        for (String refused : new String[]{null, "mallory", "expired"}) {
            try (Admin admin = admin(bootstrap, clientTls(refused))) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(15, TimeUnit.SECONDS))
                        .as("client certificate %s", refused)
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
            }
        }
    }

    @Test
    void theServerCertificateFromAnotherCaIsRefusedByTheClient() throws Exception {
        Map<String, Object> foreignTrust = new HashMap<>(clientTls(null));
        Path foreignTruststore = tmp.resolve("foreign-trust.p12");
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(certs.dir.resolve("foreign-ca.pem"))) {
            ts.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (OutputStream out = Files.newOutputStream(foreignTruststore)) {
            ts.store(out, TestCerts.PASSWORD.toCharArray());
        }
        foreignTrust.put("ssl.truststore.location", foreignTruststore.toString());
        try (Admin admin = admin(broker.bootstrapServers("SSL"), foreignTrust)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(15, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    void plaintextClientsOnTheTlsPortAreClosedWithOneLogLine() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("io.sluice.brokerd.network.TlsSessionHandler");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        // A broker of its own: refusals the other tests caused must not fall into this one's rate-limit window.
        Map<String, String> c = new HashMap<>(serverTls("broker"));
        c.put("listeners", "SSL://127.0.0.1:0");
        Broker fresh = ItSupport.startBroker(tmp.resolve("plaintext-on-tls"), c);
        try {
            // An ApiVersions v3 request, as a plaintext Kafka client opens with.
            byte[] apiVersions = {0, 0, 0, 14, 0, 18, 0, 3, 0, 0, 0, 1, 0, 4, 't', 'e', 's', 't', 0, 0};
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", fresh.boundAddress("SSL").getPort())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(apiVersions);
                    s.getOutputStream().flush();
                    InputStream in = s.getInputStream();
                    // The broker answers no Kafka frame: it closes (possibly after a TLS alert record).
                    byte[] buf = new byte[4096];
                    int n;
                    int total = 0;
                    while ((n = in.read(buf)) >= 0) {
                        total += n;
                        assertThat(total).as("bytes sent back to a plaintext client").isLessThan(100);
                    }
                }
            }
            ItSupport.waitFor(() -> !events.list.isEmpty(), Duration.ofSeconds(10), "the refusal to be logged");
            List<String> warns = events.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(warns).hasSize(1);
            assertThat(warns.get(0)).contains("listener SSL").contains("not a TLS record");
            // The broker still serves TLS clients.
            try (Admin admin = admin(fresh.bootstrapServers("SSL"), clientTls(null))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(1);
            }
        } finally {
            logger.detachAppender(events);
            fresh.close();
        }
    }

    @Test
    void aRotatedCertificateReachesNewConnectionsWithoutARestart() throws Exception {
        int port = broker.boundAddress("SSL").getPort();
        X509Certificate before = serverCertificate(port);
        assertThat(before.getSubjectX500Principal().getName()).contains("OU=first");
        certs.sign("rotating", "CN=localhost,OU=second", "ca", false);
        BigInteger[] serial = {before.getSerialNumber()};
        ItSupport.waitFor(() -> {
            try {
                serial[0] = serverCertificate(port).getSerialNumber();
                return !serial[0].equals(before.getSerialNumber());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, Duration.ofSeconds(20), "the new certificate on new connections");
        assertThat(serverCertificate(port).getSubjectX500Principal().getName()).contains("OU=second");
        // Clients keep working with the new certificate.
        try (Admin admin = admin(broker.bootstrapServers("SSL"), clientTls(null))) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }

    private static X509Certificate serverCertificate(int port) throws Exception {
        SSLContext ctx = certs.trustingContext();
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void theInterBrokerClientChecksThePeersHostNameUnlessTurnedOff() throws Exception {
        certs.sign("elsewhere", "CN=elsewhere,O=Sluice", "ca", false, "DNS:elsewhere.example.com");
        Map<String, String> c = new HashMap<>(serverTls("elsewhere"));
        c.put("listeners", "SSL://127.0.0.1:0");
        Broker elsewhere = ItSupport.startBroker(tmp.resolve("elsewhere"), c);
        try {
            int wrongName = elsewhere.boundAddress("SSL").getPort();
            int rightName = broker.boundAddress("SSL").getPort();
            assertThat(apiVersions(interBrokerSsl("https"), rightName)).isEqualTo("NONE");
            assertThatThrownBy(() -> apiVersions(interBrokerSsl("https"), wrongName))
                    .hasRootCauseInstanceOf(java.security.cert.CertificateException.class)
                    .rootCause().hasMessageContaining("127.0.0.1");
            assertThat(apiVersions(interBrokerSsl(""), wrongName)).isEqualTo("NONE");
        } finally {
            elsewhere.close();
        }
    }

    /** The client side of an inter-broker SSL listener, as a broker builds it from its configuration. */
    private static io.sluice.brokerd.security.SslFactory interBrokerSsl(String endpointIdentification) throws Exception {
        Map<String, String> c = new HashMap<>(serverTls("broker"));
        c.put("listeners", "SSL://127.0.0.1:0");
        c.put("ssl.endpoint.identification.algorithm", endpointIdentification);
        return io.sluice.brokerd.security.SslFactory.create(
                io.sluice.brokerd.config.BrokerConfig.load(null, c).listenerSsl("SSL"), false);
    }

    private static String apiVersions(io.sluice.brokerd.security.SslFactory ssl, int port) throws Exception {
        try (io.sluice.brokerd.network.InterBrokerClient client = new io.sluice.brokerd.network.InterBrokerClient(99, ssl)) {
            org.apache.kafka.common.message.ApiVersionsResponseData r = (org.apache.kafka.common.message.ApiVersionsResponseData)
                    client.send("127.0.0.1", port, org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, (short) 3,
                            new org.apache.kafka.common.message.ApiVersionsRequestData().setClientSoftwareName("sluice-test")
                                    .setClientSoftwareVersion("1")).get(20, TimeUnit.SECONDS);
            return org.apache.kafka.common.protocol.Errors.forCode(r.errorCode()).name();
        }
    }

    @Test
    void kcatOverSslWithAClientCertificate() throws Exception {
        ItSupport.requireTool(Files.isExecutable(KCAT), "kcat");
        String bootstrap = mtls.bootstrapServers("SSL");
        List<String> tls = List.of("-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + certs.caPem,
                "-X", "ssl.certificate.location=" + certs.certPem("alice"), "-X", "ssl.key.location=" + certs.keyPem("alice"));
        List<String> produce = new ArrayList<>(List.of(KCAT.toString(), "-b", bootstrap, "-P", "-t", "kcat-tls", "-K", ":"));
        produce.addAll(tls);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            lines.append("k").append(i).append(":v").append(i).append('\n');
        }
        ItSupport.run(tmp, produce, lines.toString());
        List<String> consume = new ArrayList<>(List.of(KCAT.toString(), "-b", bootstrap, "-C", "-t", "kcat-tls", "-e",
                "-o", "beginning", "-q", "-f", "%k:%s\n"));
        consume.addAll(tls);
        assertThat(ItSupport.run(tmp, consume, null).lines().toList()).hasSize(50).startsWith("k0:v0").endsWith("k49:v49");
    }

    @Test
    void confluentKafkaPythonOverSsl() throws Exception {
        boolean present = Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka").start().waitFor() == 0;
        ItSupport.requireTool(present, "python3-confluent-kafka");
        Path script = Path.of("src/test/python/roundtrip.py").toAbsolutePath();
        String out = ItSupport.run(tmp, List.of(PYTHON.toString(), script.toString(), mtls.bootstrapServers("SSL"), "py-tls",
                "300", "security.protocol=SSL", "ssl.ca.location=" + certs.caPem,
                "ssl.certificate.location=" + certs.certPem("alice"), "ssl.key.location=" + certs.keyPem("alice")), null);
        assertThat(out).contains("ok 300");
    }

    @Test
    void anEncryptedPemKeyNeedsItsPasswordAndOnlyKnownCipherSuitesAreAccepted() throws Exception {
        Map<String, String> c = new HashMap<>(Map.of("listeners", "SSL://127.0.0.1:0", "ssl.keystore.type", "PEM",
                "ssl.keystore.key", certs.encryptedKeyPem("broker", "key-secret"),
                "ssl.keystore.certificate.chain", Files.readString(certs.dir.resolve("broker-chain.pem"))));
        c.put("ssl.key.password", "key-secret");
        assertThat(io.sluice.brokerd.security.SslFactory.create(io.sluice.brokerd.config.BrokerConfig.load(null, c)
                .listenerSsl("SSL"), true).certificateDescription()).hasValueSatisfying(d -> assertThat(d).contains("CN=localhost"));
        c.put("ssl.key.password", "wrong");
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(io.sluice.brokerd.config.BrokerConfig.load(null, c)
                .listenerSsl("SSL"), true)).hasMessageContaining("cannot decrypt the private key");
        c.remove("ssl.key.password");
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(io.sluice.brokerd.config.BrokerConfig.load(null, c)
                .listenerSsl("SSL"), true)).hasMessageContaining("ssl.key.password is not set");
        Map<String, String> ciphers = new HashMap<>(serverTls("broker"));
        ciphers.put("listeners", "SSL://127.0.0.1:0");
        ciphers.put("ssl.cipher.suites", "TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_NULL_NOPE");
        assertThatThrownBy(() -> io.sluice.brokerd.security.SslFactory.create(io.sluice.brokerd.config.BrokerConfig.load(null, ciphers)
                .listenerSsl("SSL"), true)).hasMessageContaining("'ssl.cipher.suites'").hasMessageContaining("TLS_RSA_WITH_NULL_NOPE");
    }

    @Test
    void pemKeystoreInlineAndInAFile() throws Exception {
        Map<String, String> inline = Map.of("listeners", "SSL://127.0.0.1:0", "ssl.keystore.type", "PEM",
                "ssl.keystore.key", Files.readString(certs.keyPem("broker")),
                "ssl.keystore.certificate.chain", Files.readString(certs.dir.resolve("broker-chain.pem")),
                "ssl.truststore.type", "PEM", "ssl.truststore.location", certs.caPem.toString());
        Map<String, String> file = Map.of("listeners", "SSL://127.0.0.1:0", "ssl.keystore.type", "PEM",
                "ssl.keystore.location", certs.pem("broker").toString());
        for (Map<String, String> c : List.of(inline, file)) {
            Broker b = ItSupport.startBroker(Files.createTempDirectory(tmp, "pem"), c);
            try (Admin admin = admin(b.bootstrapServers("SSL"), clientTls(null))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(1);
            } finally {
                b.close();
            }
        }
    }
}
