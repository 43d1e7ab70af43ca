package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Authorization with {@code authorizer.enabled} on one broker with a mutual-TLS listener and a SASL_PLAINTEXT one. On
 * the first each test client presents a certificate whose CN becomes its principal (User:alice, User:bob, User:admin;
 * the broker's own is User:localhost); on the second SCRAM users log in (User:sam, User:rita, User:admin). admin is a
 * super user and grants the ACLs through the Admin API; the Apache Java client, kcat and confluent-kafka-python
 * (librdkafka) then see Kafka's errors for what they may not do. Every test uses its own topics, groups and principals' ACLs so the tests
 * do not depend on each other's order.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuthorizationIT {
    @TempDir
    static Path tmp;
    static Broker broker;
    static Broker open;
    static TestCerts certs;
    static String bootstrap;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.get();
        certs.sign("bob", "CN=bob,OU=eng,O=Sluice", "ca", false);
        certs.sign("admin", "CN=admin,OU=ops,O=Sluice", "ca", false);
        Map<String, String> c = new HashMap<>(TlsIT.serverTls("broker"));
        c.put("listeners", "SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        c.put("inter.broker.listener.name", "SSL");
        c.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        c.put("ssl.client.auth", "required");
        c.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]*),.*$/$1/,DEFAULT");
        c.put("authorizer.enabled", "true");
        c.put("super.users", "User:admin;User:localhost");
        c.put("group.initial.rebalance.delay.ms", "0");
        broker = ItSupport.startBroker(tmp.resolve("secured"), c);
        bootstrap = broker.bootstrapServers("SSL");
        open = ItSupport.startBroker(tmp.resolve("open"), Map.of());
        try (Admin admin = adminAs("admin")) {
            // SASL users beside the certificate ones: "admin" is User:admin by either route, so a super user too.
            List<org.apache.kafka.clients.admin.UserScramCredentialAlteration> users = new ArrayList<>();
            for (String user : List.of("admin", "sam", "rita")) {
                users.add(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(user,
                        new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_256, 4096),
                        user + "-secret"));
            }
            admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (open != null) {
            open.close();
        }
    }

    static Admin adminAs(String user) {
        Map<String, Object> p = new HashMap<>(TlsIT.clientTlsWith(certs, user));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20000);
        return Admin.create(p);
    }

    static KafkaProducer<byte[], byte[]> producerAs(String user) {
        Map<String, Object> p = new HashMap<>(TlsIT.clientTlsWith(certs, user));
        p.put("max.block.ms", 15000);
        p.put("delivery.timeout.ms", 20000);
        p.put("request.timeout.ms", 10000);
        return ItSupport.producer(bootstrap, p);
    }

    static KafkaConsumer<byte[], byte[]> consumerAs(String user, String group) {
        Map<String, Object> p = new HashMap<>(TlsIT.clientTlsWith(certs, user));
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return ItSupport.consumer(bootstrap, p);
    }

    static AclBinding allow(ResourceType type, String name, PatternType pattern, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    static AclBinding deny(ResourceType type, String name, PatternType pattern, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry("User:" + user, "*", op, AclPermissionType.DENY));
    }

    static void grant(AclBinding... acls) throws Exception {
        try (Admin admin = adminAs("admin")) {
            admin.createAcls(List.of(acls)).all().get(20, TimeUnit.SECONDS);
        }
    }

    static void createTopics(String... names) throws Exception {
        try (Admin admin = adminAs("admin")) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                topics.add(new NewTopic(n, 1, (short) 1));
            }
            admin.createTopics(topics).all().get(20, TimeUnit.SECONDS);
        }
    }

    static void produceAsAdmin(String topic, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producerAs("admin")) {
            for (int i = 0; i < count; i++) {
                p.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(20, TimeUnit.SECONDS);
            }
        }
    }

    /** Polls until {@code count} records arrived or an exception ends the poll; the deadline fails the test. */
    static int pollUntil(KafkaConsumer<byte[], byte[]> c, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int seen = 0;
        while (seen < count && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> r = c.poll(Duration.ofMillis(200));
            seen += r.count();
        }
        return seen;
    }

    static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    @Test
    void aUserAllowedToWriteButNotReadGetsTopicAuthorizationFailedOnFetch() throws Exception {
        createTopics("w-only");
        grant(allow(ResourceType.TOPIC, "w-only", PatternType.LITERAL, "alice", AclOperation.WRITE));
        try (KafkaProducer<byte[], byte[]> p = producerAs("alice")) {
            RecordMetadata md = p.send(new ProducerRecord<>("w-only", "x".getBytes(StandardCharsets.UTF_8))).get(20, TimeUnit.SECONDS);
            assertThat(md.offset()).isZero();
        }
        try (KafkaConsumer<byte[], byte[]> c = consumerAs("alice", null)) {
            c.assign(List.of(new TopicPartition("w-only", 0)));
            c.seekToBeginning(List.of(new TopicPartition("w-only", 0)));
            assertThatThrownBy(() -> pollUntil(c, 1)).isInstanceOf(TopicAuthorizationException.class)
                    .satisfies(e -> assertThat(((TopicAuthorizationException) e).unauthorizedTopics()).containsExactly("w-only"));
        }
        double denied = ItSupport.metric(broker, "sluice_authorization_denied_total{operation=\"READ\",resource_type=\"TOPIC\"}");
        assertThat(denied).isGreaterThanOrEqualTo(1);
    }

    @Test
    void denyBeatsAllowAndPrefixedAclsCoverTheirNames() throws Exception {
        createTopics("pay.public", "pay.secret", "payroll");
        produceAsAdmin("pay.public", 2);
        produceAsAdmin("pay.secret", 2);
        grant(allow(ResourceType.TOPIC, "pay.", PatternType.PREFIXED, "bob", AclOperation.READ),
                deny(ResourceType.TOPIC, "pay.secret", PatternType.LITERAL, "bob", AclOperation.READ));
        try (KafkaConsumer<byte[], byte[]> c = consumerAs("bob", null)) {
            c.assign(List.of(new TopicPartition("pay.public", 0)));
            assertThat(pollUntil(c, 2)).isEqualTo(2);
        }
        for (String refused : List.of("pay.secret", "payroll")) {
            try (KafkaConsumer<byte[], byte[]> c = consumerAs("bob", null)) {
                c.assign(List.of(new TopicPartition(refused, 0)));
                assertThatThrownBy(() -> pollUntil(c, 1)).as(refused).isInstanceOf(TopicAuthorizationException.class);
            }
        }
        // A producer with WRITE on a prefix writes under it and nowhere else.
        createTopics("sales.eu", "salesx");
        grant(allow(ResourceType.TOPIC, "sales.", PatternType.PREFIXED, "bob", AclOperation.WRITE));
        try (KafkaProducer<byte[], byte[]> p = producerAs("bob")) {
            assertThat(p.send(new ProducerRecord<>("sales.eu", new byte[]{1})).get(20, TimeUnit.SECONDS).offset()).isZero();
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("salesx", new byte[]{1})).get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void metadataHidesTopicsThePrincipalMayNotDescribeAndASuperUserSeesEverything() throws Exception {
        createTopics("visible-1", "hidden-1");
        grant(allow(ResourceType.TOPIC, "visible-1", PatternType.LITERAL, "carol-less", AclOperation.READ),
                allow(ResourceType.TOPIC, "visible-", PatternType.PREFIXED, "alice", AclOperation.DESCRIBE));
        try (Admin alice = adminAs("alice"); Admin admin = adminAs("admin")) {
            Set<String> seen = alice.listTopics().names().get(20, TimeUnit.SECONDS);
            assertThat(seen).contains("visible-1").doesNotContain("hidden-1");
            assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).contains("visible-1", "hidden-1");
            assertThatThrownBy(() -> alice.describeTopics(List.of("hidden-1")).allTopicNames().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            // Authorized operations come back as the ACLs grant them.
            var described = alice.describeTopics(List.of("visible-1"),
                    new org.apache.kafka.clients.admin.DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get(20, TimeUnit.SECONDS);
            assertThat(described.get("visible-1").authorizedOperations()).containsExactly(AclOperation.DESCRIBE);
            var cluster = admin.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions().includeAuthorizedOperations(true));
            assertThat(cluster.authorizedOperations().get(20, TimeUnit.SECONDS)).contains(AclOperation.ALTER, AclOperation.CLUSTER_ACTION);
        }
        // Metadata for a topic that does not exist, from a principal without CREATE: refused, not auto-created.
        try (KafkaProducer<byte[], byte[]> p = producerAs("alice")) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("visible-new", new byte[]{1})).get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        try (Admin admin = adminAs("admin")) {
            assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).doesNotContain("visible-new");
        }
    }

    @Test
    void consumerGroupsNeedReadOnTheGroupAndListGroupsShowsOnlyDescribableOnes() throws Exception {
        createTopics("grouped");
        produceAsAdmin("grouped", 3);
        grant(allow(ResourceType.TOPIC, "grouped", PatternType.LITERAL, "bob", AclOperation.READ));
        try (KafkaConsumer<byte[], byte[]> c = consumerAs("bob", "bob-group")) {
            c.subscribe(List.of("grouped"));
            assertThatThrownBy(() -> pollUntil(c, 1)).isInstanceOf(GroupAuthorizationException.class);
        }
        grant(allow(ResourceType.GROUP, "bob-group", PatternType.LITERAL, "bob", AclOperation.READ));
        try (KafkaConsumer<byte[], byte[]> c = consumerAs("bob", "bob-group")) {
            c.subscribe(List.of("grouped"));
            assertThat(pollUntil(c, 3)).isEqualTo(3);
            c.commitSync(Duration.ofSeconds(20));
        }
        try (Admin bob = adminAs("bob"); Admin admin = adminAs("admin")) {
            assertThat(admin.listConsumerGroups().all().get(20, TimeUnit.SECONDS)).extracting(g -> g.groupId()).contains("bob-group");
            try (KafkaConsumer<byte[], byte[]> other = consumerAs("admin", "admins-only")) {
                other.subscribe(List.of("grouped"));
                assertThat(pollUntil(other, 3)).isEqualTo(3);
                other.commitSync(Duration.ofSeconds(20));
            }
            Collection<String> bobSees = bob.listConsumerGroups().all().get(20, TimeUnit.SECONDS).stream().map(g -> g.groupId()).toList();
            assertThat(bobSees).contains("bob-group").doesNotContain("admins-only");
            assertThat(bob.listConsumerGroupOffsets("bob-group").partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS))
                    .containsKey(new TopicPartition("grouped", 0));
            assertThatThrownBy(() -> bob.describeConsumerGroups(List.of("admins-only")).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> bob.deleteConsumerGroups(List.of("bob-group")).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void clusterAndTopicAdministrationIsRefusedWithoutTheAcls() throws Exception {
        createTopics("guarded");
        try (Admin alice = adminAs("alice")) {
            assertThatThrownBy(() -> alice.createTopics(List.of(new NewTopic("alice-made", 1, (short) 1))).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> alice.deleteTopics(List.of("guarded")).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> alice.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, null).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.describeAcls(AclBindingFilter.ANY).values().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.createAcls(List.of(allow(ResourceType.TOPIC, "guarded", PatternType.LITERAL, "alice", AclOperation.ALL)))
                    .all().get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "guarded");
            ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, "1");
            assertThatThrownBy(() -> alice.describeConfigs(List.of(topic)).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> alice.describeConfigs(List.of(brokerRes)).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new ConfigEntry("retention.ms", "1000"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        grant(allow(ResourceType.TOPIC, "guarded", PatternType.LITERAL, "alice", AclOperation.ALTER_CONFIGS),
                allow(ResourceType.TOPIC, "alice-", PatternType.PREFIXED, "alice", AclOperation.CREATE));
        try (Admin alice = adminAs("alice"); Admin admin = adminAs("admin")) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "guarded");
            alice.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new ConfigEntry("retention.ms", "3600000"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(20, TimeUnit.SECONDS);
            // ALTER_CONFIGS implies DESCRIBE_CONFIGS.
            assertThat(alice.describeConfigs(List.of(topic)).all().get(20, TimeUnit.SECONDS).get(topic).get("retention.ms").value()).isEqualTo("3600000");
            alice.createTopics(List.of(new NewTopic("alice-made", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).contains("alice-made");
        }
    }

    @Test
    void aclsRoundTripThroughTheAdminApiWithFilters() throws Exception {
        AclBinding a = allow(ResourceType.TOPIC, "rt.orders", PatternType.LITERAL, "dave", AclOperation.READ);
        AclBinding b = allow(ResourceType.TOPIC, "rt.", PatternType.PREFIXED, "dave", AclOperation.WRITE);
        AclBinding c = deny(ResourceType.GROUP, "rt-group", PatternType.LITERAL, "dave", AclOperation.ALL);
        grant(a, b, c);
        grant(a); // a duplicate is accepted and stored once
        AclBindingFilter daves = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:dave", null, AclOperation.ANY, AclPermissionType.ANY));
        try (Admin admin = adminAs("admin")) {
            assertThat(admin.describeAcls(daves).values().get(20, TimeUnit.SECONDS)).containsExactlyInAnyOrder(a, b, c);
            AclBindingFilter matching = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "rt.orders", PatternType.MATCH),
                    AccessControlEntryFilter.ANY);
            assertThat(admin.describeAcls(matching).values().get(20, TimeUnit.SECONDS)).containsExactlyInAnyOrder(a, b);
            AclBindingFilter prefixedOnly = new AclBindingFilter(new ResourcePatternFilter(ResourceType.ANY, null, PatternType.PREFIXED),
                    new AccessControlEntryFilter("User:dave", null, AclOperation.ANY, AclPermissionType.ANY));
            assertThat(admin.describeAcls(prefixedOnly).values().get(20, TimeUnit.SECONDS)).containsExactly(b);
            Collection<AclBinding> deleted = admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:dave", null, AclOperation.ANY, AclPermissionType.DENY)))).all().get(20, TimeUnit.SECONDS);
            assertThat(deleted).containsExactly(c);
            assertThat(admin.describeAcls(daves).values().get(20, TimeUnit.SECONDS)).containsExactlyInAnyOrder(a, b);
            assertThat(admin.deleteAcls(List.of(daves)).all().get(20, TimeUnit.SECONDS)).containsExactlyInAnyOrder(a, b);
            assertThat(admin.describeAcls(daves).values().get(20, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void badAclsAreRefusedWithInvalidRequestAndAClearMessage() throws Exception {
        try (Admin admin = adminAs("admin")) {
            List<AclBinding> asked = List.of(
                    allow(ResourceType.USER, "someone", PatternType.LITERAL, "eve", AclOperation.ALTER),
                    new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                            new AccessControlEntry("eve-without-type", "*", AclOperation.READ, AclPermissionType.ALLOW)),
                    new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "not-the-cluster", PatternType.LITERAL),
                            new AccessControlEntry("User:eve", "*", AclOperation.ALTER, AclPermissionType.ALLOW)),
                    allow(ResourceType.TOPIC, "fine", PatternType.LITERAL, "eve", AclOperation.READ));
            var results = admin.createAcls(asked).values();
            List<Throwable> errors = new ArrayList<>();
            for (AclBinding acl : asked) {
                try {
                    results.get(acl).get(20, TimeUnit.SECONDS);
                    errors.add(null);
                } catch (ExecutionException e) {
                    errors.add(cause(e));
                }
            }
            assertThat(errors).hasSize(4);
            assertThat(errors.subList(0, 3)).allSatisfy(e -> assertThat(e).isInstanceOf(InvalidRequestException.class));
            assertThat(errors.get(0)).hasMessageContaining("TOPIC, GROUP, CLUSTER");
            assertThat(errors.get(1)).hasMessageContaining("principal");
            assertThat(errors.get(2)).hasMessageContaining("kafka-cluster");
            assertThat(errors.get(3)).isNull();
            // Many ACLs in one request are stored across controller entries.
            List<AclBinding> many = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                many.add(allow(ResourceType.TOPIC, "bulk-" + i, PatternType.LITERAL, "bulk", AclOperation.READ));
            }
            admin.createAcls(many).all().get(30, TimeUnit.SECONDS);
            AclBindingFilter bulk = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:bulk", null, AclOperation.ANY, AclPermissionType.ANY));
            assertThat(admin.describeAcls(bulk).values().get(20, TimeUnit.SECONDS)).hasSize(600);
            assertThat(admin.deleteAcls(List.of(bulk)).all().get(30, TimeUnit.SECONDS)).hasSize(600);
        }
    }

    @Test
    void withoutTheAuthorizerTheAclApisAnswerSecurityDisabledAndEverythingIsAllowed() throws Exception {
        try (Admin admin = ItSupport.admin(open.bootstrapServers())) {
            assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> admin.createAcls(List.of(allow(ResourceType.TOPIC, "t", PatternType.LITERAL, "x", AclOperation.READ)))
                    .all().get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(SecurityDisabledException.class);
            admin.createTopics(List.of(new NewTopic("anyone", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
    }

    // ---- SASL users (SCRAM on the SASL_PLAINTEXT listener)

    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    static Map<String, Object> saslAs(String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "SCRAM-SHA-256");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        return p;
    }

    static String saslBootstrap() {
        return broker.bootstrapServers("SASL_PLAINTEXT");
    }

    /** librdkafka settings for {@code user} in a mode-600 file (kcat -F), the password off the command line. */
    static Path librdkafkaConfig(String user, String password) throws Exception {
        String text = "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=" + user
                + "\nsasl.password=" + password + "\n";
        Path f = java.nio.file.Files.createTempFile(tmp, "librdkafka", ".properties",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        java.nio.file.Files.writeString(f, text);
        return f;
    }

    static ItSupport.Exit kcat(String user, String password, String... args) throws Exception {
        ItSupport.requireTool(java.nio.file.Files.isExecutable(KCAT), "kcat");
        List<String> cmd = new ArrayList<>(List.of("timeout", "20", KCAT.toString(), "-F", librdkafkaConfig(user, password).toString(),
                "-b", saslBootstrap()));
        cmd.addAll(List.of(args));
        return ItSupport.exec(tmp, cmd, args[0].equals("-P") ? "k:v\n" : null);
    }

    /** One line from acl_probe.py: what confluent-kafka-python saw as {@code user}. */
    static String python(String user, String password, String mode, String topic) throws Exception {
        boolean present = java.nio.file.Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka").start().waitFor() == 0;
        ItSupport.requireTool(present, "python3-confluent-kafka");
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), Path.of("src/test/python/acl_probe.py").toAbsolutePath().toString(),
                saslBootstrap(), mode, topic));
        if (user != null) { // else a client not configured for SASL at all
            cmd.addAll(List.of("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256", "sasl.username=" + user,
                    "sasl.password=" + password));
        }
        List<String> lines = ItSupport.run(tmp, cmd, null).lines().filter(l -> !l.startsWith("%")).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    @Test
    void saslWithoutCredentialsOrWithAWrongPasswordIsRefusedForEveryClient() throws Exception {
        Map<String, Object> none = new HashMap<>();
        none.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, saslBootstrap());
        none.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        none.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin anonymous = Admin.create(none)) {
            assertThatThrownBy(() -> anonymous.listTopics().names().get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
        Map<String, Object> wrong = new HashMap<>(saslAs("sam", "not-sams"));
        wrong.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, saslBootstrap());
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-256");
        }
        ItSupport.Exit k = kcat("sam", "not-sams", "-L", "-m", "10");
        assertThat(k.code()).isNotZero();
        assertThat(k.output()).contains("Authentication failed");
        assertThat(python("sam", "not-sams", "topics", "-")).isEqualTo("error _AUTHENTICATION");
        assertThat(python(null, null, "topics", "-")).startsWith("error ");
    }

    @Test
    void aSaslUserAllowedToWriteButNotReadGetsTopicAuthorizationFailedOnFetchFromEveryClient() throws Exception {
        createTopics("sasl-w-only");
        grant(allow(ResourceType.TOPIC, "sasl-w-only", PatternType.LITERAL, "sam", AclOperation.WRITE),
                allow(ResourceType.GROUP, "acl-probe", PatternType.LITERAL, "sam", AclOperation.READ));
        String bootstrapSasl = saslBootstrap();
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrapSasl, new HashMap<>(saslAs("sam", "sam-secret")))) {
            assertThat(p.send(new ProducerRecord<>("sasl-w-only", new byte[]{1})).get(20, TimeUnit.SECONDS).offset()).isZero();
        }
        Map<String, Object> c = new HashMap<>(saslAs("sam", "sam-secret"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = ItSupport.consumer(bootstrapSasl, c)) {
            consumer.assign(List.of(new TopicPartition("sasl-w-only", 0)));
            assertThatThrownBy(() -> pollUntil(consumer, 1)).isInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(kcat("sam", "sam-secret", "-P", "-t", "sasl-w-only", "-p", "0", "-K", ":").code()).isZero();
        ItSupport.Exit read = kcat("sam", "sam-secret", "-C", "-t", "sasl-w-only", "-p", "0", "-o", "beginning", "-e");
        assertThat(read.code()).isNotZero();
        assertThat(read.output()).contains("Topic authorization failed");
        assertThat(python("sam", "sam-secret", "produce", "sasl-w-only")).isEqualTo("produced 2");
        assertThat(python("sam", "sam-secret", "consume", "sasl-w-only")).isEqualTo("error TOPIC_AUTHORIZATION_FAILED");
    }

    @Test
    void forSaslUsersDenyBeatsAllowPrefixedAclsWorkAndASuperUserSeesEverything() throws Exception {
        createTopics("sp.public", "sp.secret", "spx");
        produceAsAdmin("sp.public", 2);
        produceAsAdmin("sp.secret", 1);
        grant(allow(ResourceType.TOPIC, "sp.", PatternType.PREFIXED, "rita", AclOperation.READ),
                deny(ResourceType.TOPIC, "sp.secret", PatternType.LITERAL, "rita", AclOperation.READ),
                allow(ResourceType.GROUP, "acl-probe", PatternType.LITERAL, "rita", AclOperation.READ));
        ItSupport.Exit ok = kcat("rita", "rita-secret", "-C", "-t", "sp.public", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\\n");
        assertThat(ok.code()).as(ok.output()).isZero();
        assertThat(ok.output().lines().filter(l -> l.startsWith("v"))).containsExactly("v0", "v1");
        for (String refused : List.of("sp.secret", "spx")) {
            ItSupport.Exit no = kcat("rita", "rita-secret", "-C", "-t", refused, "-p", "0", "-o", "beginning", "-e");
            assertThat(no.code()).as(refused).isNotZero();
            assertThat(no.output()).as(refused).containsIgnoringCase("authorization failed");
        }
        // sp.secret she may describe (READ on the prefix) but not read: the fetch is refused. spx she may not even
        // describe: librdkafka 2.0.2 reports that only in its log, the application just reads nothing.
        assertThat(python("rita", "rita-secret", "consume", "sp.secret")).isEqualTo("error TOPIC_AUTHORIZATION_FAILED");
        assertThat(python("rita", "rita-secret", "consume", "spx")).startsWith("error ");
        assertThat(python("rita", "rita-secret", "consume", "sp.public")).isEqualTo("consumed 2");
        // Metadata: rita sees what she may describe (READ on the prefix implies DESCRIBE; the deny is for READ only,
        // so sp.secret is listed, as Kafka lists it), the SASL super user everything.
        assertThat(python("rita", "rita-secret", "topics", "-")).isEqualTo("topics sp.public,sp.secret");
        String all = python("admin", "admin-secret", "topics", "-");
        assertThat(all).startsWith("topics ").contains("sp.public", "sp.secret", "spx");
        ItSupport.Exit listing = kcat("admin", "admin-secret", "-L");
        assertThat(listing.code()).isZero();
        assertThat(listing.output()).contains("topic \"sp.secret\"", "topic \"spx\"");
        assertThat(kcat("rita", "rita-secret", "-L").output()).contains("topic \"sp.public\"", "topic \"sp.secret\"").doesNotContain("spx");
    }

    /** acks=0: the client reads no response, so a refused produce closes its connection (as Kafka does). */
    @Test
    void anAcksZeroProduceToARefusedTopicClosesTheConnection() throws Exception {
        createTopics("acks0-open", "acks0-closed");
        grant(allow(ResourceType.TOPIC, "acks0-open", PatternType.LITERAL, "sam", AclOperation.WRITE));
        java.net.InetSocketAddress a = broker.boundAddress("SASL_PLAINTEXT");
        for (String topic : List.of("acks0-open", "acks0-closed")) {
            try (RawClient c = new RawClient("127.0.0.1", a.getPort())) {
                var h = (org.apache.kafka.common.message.SaslHandshakeResponseData) c.call(org.apache.kafka.common.protocol.ApiKeys.SASL_HANDSHAKE,
                        (short) 1, new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism("PLAIN"));
                assertThat(h.errorCode()).isZero();
                var r = (org.apache.kafka.common.message.SaslAuthenticateResponseData) c.call(org.apache.kafka.common.protocol.ApiKeys.SASL_AUTHENTICATE,
                        (short) 2, new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                                .setAuthBytes("\0sam\0sam-secret".getBytes(StandardCharsets.UTF_8)));
                assertThat(r.errorCode()).isZero();
                var records = org.apache.kafka.common.record.MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
                        new org.apache.kafka.common.record.SimpleRecord("acks0".getBytes(StandardCharsets.UTF_8)));
                var produce = new org.apache.kafka.common.message.ProduceRequestData().setAcks((short) 0).setTimeoutMs(5000);
                produce.topicData().add(new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData().setName(topic)
                        .setPartitionData(List.of(new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                                .setIndex(0).setRecords(records))));
                c.send(org.apache.kafka.common.protocol.ApiKeys.PRODUCE, (short) 9, produce);
                c.setReadTimeoutMs(3000);
                if (topic.equals("acks0-open")) {
                    assertThat(c.closedByPeer()).as("written, no response, connection kept").isFalse();
                } else {
                    assertThat(c.closedByPeer()).as("refused: the connection is closed").isTrue();
                }
            }
        }
        try (Admin admin = adminAs("admin")) {
            TopicPartition tp = new TopicPartition("acks0-open", 0);
            ItSupport.waitFor(() -> endOffset(admin, tp) == 1, Duration.ofSeconds(20), "the acks=0 record written");
            assertThat(endOffset(admin, new TopicPartition("acks0-closed", 0))).isZero();
        }
    }

    static long endOffset(Admin admin, TopicPartition tp) {
        try {
            return admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).partitionResult(tp)
                    .get(20, TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** brokerd enforces no client quotas: a describe finds none, an alteration is refused in words; both guarded. */
    @Test
    void clientQuotasAreDescribedEmptyAlterationsRefusedAndBothNeedClusterAcls() throws Exception {
        var entity = new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of("user", "sam"));
        var alteration = new org.apache.kafka.common.quota.ClientQuotaAlteration(entity,
                List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1024.0)));
        try (Admin admin = adminAs("admin")) {
            assertThat(admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(20, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> admin.alterClientQuotas(List.of(alteration)).all().get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(InvalidRequestException.class).hasMessageContaining("brokerd does not enforce client quotas");
            assertThat(admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(20, TimeUnit.SECONDS)).as("nothing was stored").isEmpty();
        }
        try (Admin alice = adminAs("alice")) {
            assertThatThrownBy(() -> alice.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(20, TimeUnit.SECONDS)).cause().isInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.alterClientQuotas(List.of(alteration)).all().get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ClusterAuthorizationException.class);
        }
    }
}
