package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two brokers whose only listener is SASL_PLAINTEXT, so replication authenticates with SCRAM-SHA-512 as the broker's
 * own user (sasl.inter.broker.credentials.file), the users coming from the bootstrap file. Sessions of 2 s make the
 * replication client replace its connections while the follower stays in sync under acks=all produces.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class InterBrokerSaslIT {
    @TempDir
    Path tmp;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Path ownerOnly(String name, String content) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void replicationAuthenticatesAndSurvivesSessionEnds() throws Exception {
        Path users = ownerOnly("users", "admin:admin-pw\nbroker:broker-pw\n");
        Path brokerCredentials = ownerOnly("broker-credentials", "broker:broker-pw\n");
        int[] raft = {freePort(), freePort()};
        String voters = "1@127.0.0.1:" + raft[0] + ",2@127.0.0.1:" + raft[1];
        List<Broker> brokers = new ArrayList<>();
        try {
            List<Thread> starts = new ArrayList<>();
            Broker[] started = new Broker[2];
            RuntimeException[] failed = new RuntimeException[2];
            for (int i = 0; i < 2; i++) {
                int id = i + 1;
                Map<String, String> c = new HashMap<>();
                c.put("node.id", String.valueOf(id));
                c.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
                c.put("controller.quorum.voters", voters);
                c.put("controller.listener", "127.0.0.1:" + raft[i]);
                c.put("sasl.bootstrap.users.file", users.toString());
                c.put("sasl.inter.broker.credentials.file", brokerCredentials.toString());
                c.put("connections.max.reauth.ms", "2000");
                c.put("replica.lag.time.max.ms", "10000");
                Thread t = new Thread(() -> {
                    try {
                        started[id - 1] = ItSupport.startBroker(tmp.resolve("b" + id), c);
                    } catch (RuntimeException e) {
                        failed[id - 1] = e;
                    }
                });
                t.start();
                starts.add(t);
            }
            for (Thread t : starts) {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            for (int i = 0; i < 2; i++) {
                if (started[i] != null) {
                    brokers.add(started[i]);
                }
                if (failed[i] != null) {
                    throw failed[i];
                }
            }
            assertThat(brokers).hasSize(2);
            Map<String, Object> admin = SaslIT.saslSettings("SASL_PLAINTEXT", "SCRAM-SHA-512", "admin", "admin-pw", null);
            String bootstrap = brokers.get(0).bootstrapServers();
            Map<String, Object> a = new HashMap<>(admin);
            a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
            try (Admin client = Admin.create(a)) {
                ItSupport.waitFor(() -> nodes(client) == 2, Duration.ofSeconds(60), "both brokers registered");
                client.createTopics(List.of(new NewTopic("replicated", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
                ItSupport.waitFor(() -> isr(client) == 2, Duration.ofSeconds(60), "the follower in the ISR (its fetches authenticated)");
                Map<String, Object> p = new HashMap<>(admin);
                p.put("acks", "all");
                try (KafkaProducer<byte[], byte[]> producer = ItSupport.producer(bootstrap, p)) {
                    // Several inter-broker session lifetimes of acks=all produces: every one needs the follower.
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(7);
                    int n = 0;
                    while (System.nanoTime() < end) {
                        producer.send(new ProducerRecord<>("replicated", ("v" + n++).getBytes(StandardCharsets.UTF_8)))
                                .get(30, TimeUnit.SECONDS);
                        Thread.sleep(50); // pacing the workload, not waiting for a condition
                    }
                    assertThat(n).isGreaterThan(20);
                }
                assertThat(isr(client)).isEqualTo(2);
            }
        } finally {
            for (Broker b : brokers) {
                b.close();
            }
        }
    }

    private static int nodes(Admin admin) {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static int isr(Admin admin) {
        try {
            TopicDescription d = admin.describeTopics(List.of("replicated")).allTopicNames().get(10, TimeUnit.SECONDS).get("replicated");
            TopicPartitionInfo p = d.partitions().get(0);
            return p.isr().size();
        } catch (Exception e) {
            return 0;
        }
    }
}
