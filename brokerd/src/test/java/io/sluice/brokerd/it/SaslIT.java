package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SASL with the Apache Java client: one broker with PLAINTEXT (administration), SASL_PLAINTEXT and SASL_SSL
 * listeners offering PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, users made with the Admin API
 * (AlterUserScramCredentials), sessions of 3 s so every client re-authenticates. Raw clients check the gate: requests
 * before authentication, a second handshake, huge or malformed tokens, SASL on a PLAINTEXT listener.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SaslIT {
    static final long REAUTH_MS = 3000;
    @TempDir
    static Path tmp;
    static Broker broker;
    static TestCerts certs;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.get();
        Map<String, String> c = new HashMap<>(TlsIT.serverTls("broker"));
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
        c.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        c.put("connections.max.reauth.ms", String.valueOf(REAUTH_MS));
        c.put("connection.failed.authentication.delay.ms", "300");
        broker = ItSupport.startBroker(tmp.resolve("sasl"), c);
        try (Admin admin = ItSupport.admin(broker.bootstrapServers("PLAINTEXT"))) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-secret"),
                    new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "alice-secret"),
                    new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "bob-secret")))
                    .all().get();
            ItSupport.createTopic(admin, "sasl-topic", 1, Map.of());
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    static Map<String, Object> sasl(String listener, String mechanism, String user, String password) {
        return saslSettings(listener, mechanism, user, password, certs);
    }

    /** Java client settings for SASL; {@code tls} (the CA to trust) only for SASL_SSL. */
    static Map<String, Object> saslSettings(String listener, String mechanism, String user, String password, TestCerts tls) {
        Map<String, Object> p = new HashMap<>();
        if (listener.equals("SASL_SSL")) {
            p.putAll(TlsIT.clientTlsWith(tls, null));
        }
        p.put("security.protocol", listener);
        p.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return p;
    }

    static Admin admin(String listener, Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>(settings);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(listener));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        return Admin.create(p);
    }

    static double authentications(String listener, String mechanism, String result) {
        return ItSupport.metric(broker, "sluice_sasl_authentications_total{listener=\"" + listener + "\",mechanism=\""
                + mechanism + "\",result=\"" + result + "\"}");
    }

    @ParameterizedTest
    @CsvSource({"SASL_PLAINTEXT,PLAIN", "SASL_PLAINTEXT,SCRAM-SHA-256", "SASL_PLAINTEXT,SCRAM-SHA-512",
            "SASL_SSL,PLAIN", "SASL_SSL,SCRAM-SHA-256", "SASL_SSL,SCRAM-SHA-512"})
    void producesAndConsumesAuthenticated(String listener, String mechanism) throws Exception {
        String bootstrap = broker.bootstrapServers(listener);
        Map<String, Object> auth = sasl(listener, mechanism, "alice", "alice-secret");
        byte[] value = (listener + "/" + mechanism).getBytes(StandardCharsets.UTF_8);
        long offset;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, new HashMap<>(auth))) {
            offset = p.send(new ProducerRecord<>("sasl-topic", value)).get(30, TimeUnit.SECONDS).offset();
        }
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(bootstrap, new HashMap<>(auth))) {
            TopicPartition tp = new TopicPartition("sasl-topic", 0);
            c.assign(List.of(tp));
            c.seek(tp, offset);
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.isEmpty() && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got).isNotEmpty();
            assertThat(got.get(0).value()).isEqualTo(value);
        }
    }

    @ParameterizedTest
    @CsvSource({"SASL_PLAINTEXT,PLAIN", "SASL_PLAINTEXT,SCRAM-SHA-256", "SASL_SSL,SCRAM-SHA-512", "SASL_SSL,PLAIN"})
    void wrongPasswordIsAnAuthenticationErrorCountedInMetrics(String listener, String mechanism) throws Exception {
        double before = authentications(listener, mechanism, "failure");
        try (Admin admin = admin(listener, sasl(listener, mechanism, "alice", "not-her-password"))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism);
        }
        ItSupport.waitFor(() -> authentications(listener, mechanism, "failure") > before, Duration.ofSeconds(20),
                "the failure counted in sluice_sasl_authentications_total");
    }

    @Test
    void unknownUserIsTheSameAuthenticationError() {
        try (Admin admin = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "mallory", "x"))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-256");
        }
    }

    @Test
    void bobHasNoSha256CredentialButPlainFindsHisSha512One() throws Exception {
        try (Admin admin = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "bob-secret"))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(SaslAuthenticationException.class);
        }
        try (Admin admin = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "PLAIN", "bob", "bob-secret"))) {
            assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void javaClientReauthenticatesOnTheSameConnection() throws Exception {
        double before = authentications("SASL_SSL", "SCRAM-SHA-256", "success");
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers("SASL_SSL"),
                new HashMap<>(sasl("SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret")))) {
            // Three session lifetimes of produce requests: without re-authentication the broker closes the
            // connection at the first request after 3 s, and sends fail or reconnect (counted below).
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * REAUTH_MS + 500);
            int sent = 0;
            while (System.nanoTime() < end) {
                p.send(new ProducerRecord<>("sasl-topic", ("r" + sent++).getBytes(StandardCharsets.UTF_8))).get(20, TimeUnit.SECONDS);
                Thread.sleep(100); // pacing the workload, not waiting for a condition
            }
            assertThat(sent).isGreaterThan(10);
            double reauths = authentications("SASL_SSL", "SCRAM-SHA-256", "success") - before;
            // Two connections (bootstrap metadata + the partition leader's), each authenticated once and again every
            // 3 s: at least 3 successes beyond the first ones.
            assertThat(reauths).isGreaterThanOrEqualTo(4);
            Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> m = p.metrics();
            double clientReauths = m.entrySet().stream()
                    .filter(e -> e.getKey().name().equals("successful-reauthentication-total") && e.getKey().tags().isEmpty()
                            || e.getKey().name().equals("successful-reauthentication-total"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).max().orElse(0);
            assertThat(clientReauths).as("the producer's own successful-reauthentication-total").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void adminApiRoundTripOfScramCredentials() throws Exception {
        try (Admin admin = admin("SASL_SSL", sasl("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret"))) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 5000), "carol-1")))
                    .all().get(30, TimeUnit.SECONDS);
            UserScramCredentialsDescription carol = admin.describeUserScramCredentials(List.of("carol")).description("carol")
                    .get(30, TimeUnit.SECONDS);
            assertThat(carol.credentialInfos()).containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 5000));
            assertThat(admin.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).contains("alice", "bob", "carol");
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("nobody")).description("nobody").get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ResourceNotFoundException.class)
                    .hasMessageContaining("Attempt to describe a user credential that does not exist: nobody");
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 1000), "x"))).all().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(UnacceptableCredentialException.class).hasMessageContaining("Too few iterations");
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave",
                    ScramMechanism.SCRAM_SHA_512))).all().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ResourceNotFoundException.class);
        }
        // The new user logs in at once, on every mechanism's verifier (PLAIN against the SCRAM-SHA-256 credential).
        for (String mechanism : List.of("SCRAM-SHA-256", "PLAIN")) {
            try (Admin carol = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", mechanism, "carol", "carol-1"))) {
                assertThat(carol.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
            }
        }
        // A new password replaces the old one; deleting the credential locks the user out.
        try (Admin admin = ItSupport.admin(broker.bootstrapServers("PLAINTEXT"))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-2"))).all().get(30, TimeUnit.SECONDS);
        }
        try (Admin carol = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "carol", "carol-1"))) {
            assertThatThrownBy(() -> carol.describeCluster().nodes().get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(SaslAuthenticationException.class);
        }
        try (Admin admin = ItSupport.admin(broker.bootstrapServers("PLAINTEXT"))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("carol", ScramMechanism.SCRAM_SHA_256)))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).doesNotContain("carol");
        }
        try (Admin carol = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "carol", "carol-2"))) {
            assertThatThrownBy(() -> carol.describeCluster().nodes().get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static RawClient raw(String listener) throws Exception {
        InetSocketAddress a = broker.boundAddress(listener);
        return new RawClient("127.0.0.1", a.getPort());
    }

    @Test
    void noCredentialsIsRefused() throws Exception {
        // A client that skips SASL: ApiVersions is answered (clients ask it first) and the next request closes.
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            ApiVersionsResponseData versions = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            assertThat(versions.apiKeys().find(ApiKeys.SASL_AUTHENTICATE.id).maxVersion()).isEqualTo((short) 2);
            c.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
            assertThat(c.closedByPeer()).isTrue();
        }
        // The Java client configured without SASL gets no answer: it times out, the broker stays up.
        Map<String, Object> plain = new HashMap<>();
        plain.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        plain.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        try (Admin admin = admin("SASL_PLAINTEXT", plain)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
        try (Admin admin = admin("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret"))) {
            assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void hostileSaslInputGetsClearErrorsAndNoDamage() throws Exception {
        // An unsupported mechanism: the enabled ones listed, then closed.
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            SaslHandshakeResponseData r = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("GSSAPI"));
            assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
            assertThat(r.mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertThat(c.closedByPeer()).isTrue();
        }
        // A second handshake before authenticating: ILLEGAL_SASL_STATE, closed.
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            handshake(c, "SCRAM-SHA-256");
            SaslHandshakeResponseData r = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
            assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(c.closedByPeer()).isTrue();
        }
        // SaslAuthenticate without a handshake.
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            SaslAuthenticateResponseData r = authenticate(c, "\0alice\0alice-secret");
            assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(c.closedByPeer()).isTrue();
        }
        // Malformed SCRAM messages: Kafka's generic failure, after the delay, then closed.
        for (String bad : new String[]{"garbage", "n,,n=alice", "n,,n=alice,r=" + "x".repeat(100_000) + ",tokenauth=true", "\u0000\u0001\u0002"}) {
            try (RawClient c = raw("SASL_PLAINTEXT")) {
                handshake(c, "SCRAM-SHA-512");
                long t0 = System.nanoTime();
                SaslAuthenticateResponseData r = authenticate(c, bad);
                assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
                assertThat(r.errorMessage()).isEqualTo("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");
                assertThat(System.nanoTime() - t0).as("connection.failed.authentication.delay.ms").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
                assertThat(c.closedByPeer()).isTrue();
            }
        }
        // A token bigger than sasl.server.max.receive.size before authentication: closed without an answer.
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            handshake(c, "PLAIN");
            try {
                c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData().setAuthBytes(new byte[600 * 1024]));
            } catch (java.net.SocketException e) {
                // The broker may close on the size prefix while the rest is still being written: the reset is that close.
                assertThat(e.getMessage()).containsAnyOf("reset", "Broken pipe");
            }
            assertThat(c.closedByPeer()).isTrue();
        }
        // The SASL APIs on a PLAINTEXT listener: ILLEGAL_SASL_STATE, the connection stays usable.
        try (RawClient c = raw("PLAINTEXT")) {
            SaslHandshakeResponseData h = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"));
            assertThat(Errors.forCode(h.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(Errors.forCode(authenticate(c, "\0alice\0alice-secret").errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(c.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null))).isNotNull();
        }
        // The broker still authenticates and serves.
        try (Admin admin = admin("SASL_SSL", sasl("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret"))) {
            assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    /**
     * SaslHandshake v0, as clients before Kafka 1.0 (and librdkafka against a broker without SaslAuthenticate) use it:
     * the tokens follow as bare size-prefixed frames and are answered the same way; a failure closes the connection.
     */
    @Test
    void aV0HandshakeIsFollowedByRawTokensAsKafkaServesThem() throws Exception {
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            SaslHandshakeResponseData h = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 0,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"));
            assertThat(Errors.forCode(h.errorCode())).isEqualTo(Errors.NONE);
            assertThat(rawToken(c, "\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8))).isEmpty();
            var md = (org.apache.kafka.common.message.MetadataResponseData) c.call(ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setTopics(null));
            assertThat(md.topics()).extracting(t -> t.name()).contains("sasl-topic");
        }
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            SaslHandshakeResponseData h = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 0,
                    new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"));
            assertThat(Errors.forCode(h.errorCode())).isEqualTo(Errors.NONE);
            var scram = new io.sluice.brokerd.security.ScramClient(io.sluice.brokerd.security.ScramMechanism.SCRAM_SHA_512,
                    "bob", "bob-secret", "rawnonce" + System.nanoTime());
            byte[] serverFirst = rawToken(c, scram.first());
            byte[] serverFinal = rawToken(c, scram.last(serverFirst));
            assertThat(scram.verifyServerFinal(serverFinal)).as("the server proved it knows bob's credential").isTrue();
            assertThat(c.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null))).isNotNull();
        }
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            c.call(ApiKeys.SASL_HANDSHAKE, (short) 0, new SaslHandshakeRequestData().setMechanism("PLAIN"));
            c.sendBytes(sizePrefixed("\0alice\0wrong".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.closedByPeer()).as("a refused raw token closes the connection (v0 cannot carry an error)").isTrue();
        }
    }

    private static byte[] sizePrefixed(byte[] token) {
        return java.nio.ByteBuffer.allocate(4 + token.length).putInt(token.length).put(token).array();
    }

    private static byte[] rawToken(RawClient c, byte[] token) throws Exception {
        c.sendBytes(sizePrefixed(token));
        java.nio.ByteBuffer answer = c.readFrame();
        byte[] out = new byte[answer.remaining()];
        answer.get(out);
        return out;
    }

    @Test
    void aSessionPastItsLifetimeIsClosedAtItsNextRequest() throws Exception {
        try (RawClient c = raw("SASL_PLAINTEXT")) {
            handshake(c, "PLAIN");
            SaslAuthenticateResponseData r = authenticate(c, "\0alice\0alice-secret");
            assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
            assertThat(r.sessionLifetimeMs()).isEqualTo(REAUTH_MS);
            assertThat(c.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null))).isNotNull();
            long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAUTH_MS);
            while (System.nanoTime() - expiresAt < TimeUnit.MILLISECONDS.toNanos(200)) {
                Thread.sleep(50); // letting the session's own lifetime pass is what this test is about
            }
            c.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** librdkafka settings in a file of mode 600 (kcat -F): the password stays off the command line. */
    static Path librdkafkaConfig(String listener, String mechanism, String user, String password) throws Exception {
        StringBuilder sb = new StringBuilder();
        sb.append("security.protocol=").append(listener).append('\n');
        sb.append("sasl.mechanism=").append(mechanism).append('\n');
        sb.append("sasl.username=").append(user).append('\n');
        sb.append("sasl.password=").append(password).append('\n');
        if (listener.equals("SASL_SSL")) {
            sb.append("ssl.ca.location=").append(certs.caPem).append('\n');
        }
        Path f = java.nio.file.Files.createTempFile(tmp, "librdkafka", ".properties",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        java.nio.file.Files.writeString(f, sb.toString());
        return f;
    }

    /**
     * Debian's kcat (librdkafka 2.0.2) sends the legacy SCRAM nonce, which Apache Kafka 4 refuses: brokerd
     * authenticates it (counted in sluice_sasl_legacy_scram_nonce_total), and refuses its wrong passwords.
     */
    @ParameterizedTest
    @CsvSource({"SASL_PLAINTEXT,SCRAM-SHA-256", "SASL_SSL,SCRAM-SHA-512"})
    void kcatWithTheLegacyScramNonce(String listener, String mechanism) throws Exception {
        ItSupport.requireTool(java.nio.file.Files.isExecutable(KCAT), "kcat");
        double legacyBefore = ItSupport.metric(broker, "sluice_sasl_legacy_scram_nonce_total{listener=\"" + listener + "\"}");
        String bootstrap = broker.bootstrapServers(listener);
        String topic = "kcat-" + mechanism.toLowerCase(java.util.Locale.ROOT);
        Path config = librdkafkaConfig(listener, mechanism, "alice", "alice-secret");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("k").append(i).append(":v").append(i).append('\n');
        }
        ItSupport.run(tmp, List.of(KCAT.toString(), "-F", config.toString(), "-b", bootstrap, "-P", "-t", topic, "-K", ":"),
                lines.toString());
        List<String> consumed = ItSupport.run(tmp, List.of(KCAT.toString(), "-F", config.toString(), "-b", bootstrap, "-C",
                "-t", topic, "-e", "-o", "beginning", "-q", "-f", "%k:%s\n"), null).lines()
                .filter(l -> !l.startsWith("% Reading configuration")).toList();
        assertThat(consumed).hasSize(20).startsWith("k0:v0").endsWith("k19:v19");
        assertThat(ItSupport.metric(broker, "sluice_sasl_legacy_scram_nonce_total{listener=\"" + listener + "\"}"))
                .isGreaterThan(legacyBefore);

        Path wrong = librdkafkaConfig(listener, mechanism, "alice", "wrong");
        assertThatThrownBy(() -> ItSupport.run(tmp, List.of(KCAT.toString(), "-F", wrong.toString(), "-b", bootstrap, "-L",
                "-m", "10"), null)).hasMessageContaining("Authentication failed");
    }

    @ParameterizedTest
    @CsvSource({"SASL_PLAINTEXT,SCRAM-SHA-512", "SASL_SSL,SCRAM-SHA-256"})
    void confluentKafkaPythonWithTheLegacyScramNonce(String listener, String mechanism) throws Exception {
        boolean present = java.nio.file.Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka").start().waitFor() == 0;
        ItSupport.requireTool(present, "python3-confluent-kafka");
        Path script = Path.of("src/test/python/roundtrip.py").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString(), broker.bootstrapServers(listener),
                "py-" + mechanism.toLowerCase(java.util.Locale.ROOT), "200", "security.protocol=" + listener,
                "sasl.mechanism=" + mechanism, "sasl.username=alice", "sasl.password=alice-secret"));
        if (listener.equals("SASL_SSL")) {
            cmd.add("ssl.ca.location=" + certs.caPem);
        }
        assertThat(ItSupport.run(tmp, cmd, null)).contains("ok 200");
    }

    static void handshake(RawClient c, String mechanism) throws Exception {
        SaslHandshakeResponseData r = (SaslHandshakeResponseData) c.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                new SaslHandshakeRequestData().setMechanism(mechanism));
        assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    }

    static SaslAuthenticateResponseData authenticate(RawClient c, String token) throws Exception {
        return (SaslAuthenticateResponseData) c.call(ApiKeys.SASL_AUTHENTICATE, (short) 2,
                new SaslAuthenticateRequestData().setAuthBytes(token.getBytes(StandardCharsets.UTF_8)));
    }
}
