package io.sluice.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * {@link SecureSluiceCases} against Apache Kafka secured with SASL_SSL (SCRAM-SHA-256/512) and the
 * StandardAuthorizer, super user {@code admin} bootstrapped by kafka-storage format --add-scram.
 * Runs only with {@code -Pkafka-compare} (see bench/README.md).
 */
class SluiceAgainstSecureKafkaIT extends SecureSluiceCases {
    static BrokerProcess kafka;

    @BeforeAll
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    static void startSecureKafka() throws Exception {
        Path kafkaLib = kafkaLib();
        if (!Files.isDirectory(kafkaLib)) {
            fail(kafkaLib + " is missing: run with -Pkafka-compare (its package phase copies Apache Kafka there)");
        }
        certs = makeCerts(workDir.resolve("certs"));
        adminPassword = secret("admin.password", "admin-secret");
        alicePassword = secret("alice.password", "alice-secret");
        KafkaLauncher launcher = new KafkaLauncher(kafkaLib, workDir, List.of());
        KafkaLauncher.Ports ports = launcher.allocate(1);
        int saslPort = FreePorts.take(1)[0];
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        launcher.withOverrides(List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + ports.client()[0] + ",CONTROLLER://127.0.0.1:" + ports.controller()[0]
                        + ",SASL_SSL://127.0.0.1:" + saslPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports.client()[0] + ",SASL_SSL://127.0.0.1:" + saslPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
                "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=" + scram,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + scram,
                "ssl.keystore.type=PEM", "ssl.keystore.location=" + certs.resolve("broker.pem"),
                "ssl.truststore.type=PEM", "ssl.truststore.location=" + certs.resolve("ca.pem"),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // The PLAINTEXT and CONTROLLER listeners (inter-broker, quorum, the readiness probe) are ANONYMOUS.
                "super.users=User:admin;User:ANONYMOUS"),
                List.of("--add-scram", "SCRAM-SHA-256=[name=admin,password=admin-secret]"));
        launcher.prepare(ports);
        kafka = launcher.launch(ports).get(0);
        saslBootstrap = "127.0.0.1:" + saslPort;
        try (ReadinessProbe probe = new ReadinessProbe(ports.bootstrap())) {
            probe.awaitFirstProduce(kafka.launchNs(), List.of(kafka), Duration.ofSeconds(240));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.stop(Duration.ofSeconds(30));
        }
    }

    @Override
    String adminCredentialsJson() {
        return "[{\"mechanism\":\"SCRAM-SHA-256\",\"iterations\":4096}]";
    }

    @Override
    int brokerId() {
        return 1;
    }
}
