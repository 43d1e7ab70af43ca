package io.sluice.systest.fuzz;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The protocol fuzzer against a real brokerd process: valid requests of every API and version the broker
 * advertises, mutated (see {@link Mutators}), each judged ({@link Judge}), with the invariants checked every few
 * hundred requests ({@link Invariants}). The default suite runs about a minute with a fixed seed;
 * {@code mvn -B verify -Pfuzz -pl systest -am} runs 1,000,000 requests with a random seed (see
 * {@link FuzzSettings} for the properties, {@code -Dfuzz.replay=SEED:ITERATION} among them). The report goes to
 * {@code systest/target/fuzz-report.md}; a finding fails the test with its seed, iteration and request in hex.
 */
class ProtocolFuzzIT {
    private static final Logger log = LoggerFactory.getLogger(ProtocolFuzzIT.class);

    @TempDir
    Path root;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES) // the long run (-Pfuzz) turns timeouts off
    void everyMutatedRequestIsAnsweredOrClosedAndTheBrokerStaysWhole() throws Exception {
        FuzzSettings settings = FuzzSettings.fromSystemProperties();
        log.info("fuzz: {}", settings);
        FuzzReport report = new FuzzReport(settings);
        try (FuzzBroker broker = new FuzzBroker(root)) {
            broker.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                FuzzTopics.create(admin);
            }
            try (ControlRoundTrip control = new ControlRoundTrip(broker.bootstrap())) {
                Invariants invariants = new Invariants(broker, control, new LogVerifier(broker.dataDir()), Duration.ofSeconds(60));
                new FuzzRunner(settings, broker, invariants, report).run();
            }
        } finally {
            report.write(Path.of("target", "fuzz-report.md"));
            copyBrokerLog();
            log.info("fuzz: {}", report.summary());
        }
        assertThat(report.findings()).as("fuzz findings (%s); report in systest/target/fuzz-report.md", report.summary()).isEmpty();
    }

    /** The broker's log next to the report (the temporary directory goes away with the test). */
    private void copyBrokerLog() throws java.io.IOException {
        Path brokerLog = root.resolve("broker-" + FuzzBroker.NODE_ID + ".log");
        if (java.nio.file.Files.exists(brokerLog)) {
            java.nio.file.Files.copy(brokerLog, Path.of("target", "fuzz-broker.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
