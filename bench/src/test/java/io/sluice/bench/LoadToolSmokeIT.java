package io.sluice.bench;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the load tool and the comparison workloads from rotting: tiny versions of each run against an in-process
 * brokerd on 127.0.0.1. Asserts that they complete and count correctly, never how fast.
 */
@Timeout(120)
class LoadToolSmokeIT {
    @TempDir
    Path dataDir;

    private Broker broker;

    @BeforeEach
    void startBroker() {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0",
                "data.dir", dataDir.toString(), "metrics.listener", "")));
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    @Test
    void loadToolProducesConsumesAndReportsJson() throws Exception {
        long self = ProcessHandle.current().pid(); // the broker runs in this JVM: /proc figures of this process
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = LoadTool.run(LoadTool.parse(new String[]{"--bootstrap", broker.bootstrapServers(),
                    "--records", "2000", "--partitions", "2", "--broker-pid", String.valueOf(self), "--json"}));
        } finally {
            System.setOut(original);
        }
        // The broker runs in this JVM and logs to stdout too: the report is the line that is a JSON object.
        String json = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("");
        assertThat(code).isZero();
        assertThat(json).startsWith("{").contains("\"records\":2000", "\"produce_records_per_sec\":",
                "\"consume_records_per_sec\":", "\"broker_cpu_seconds_total\":");
    }

    @Test
    void comparisonWorkloadsRunAgainstBrokerd() throws Exception {
        String bootstrap = broker.bootstrapServers();
        Duration limit = Duration.ofSeconds(60);
        Workloads.createTopic(bootstrap, "smoke", 3, (short) 1, Map.of(), limit);

        Workloads.ProduceResult produced = Workloads.produce(bootstrap, "smoke", 1500, 100, "all",
                Workloads.Batching.CLIENT_DEFAULT, limit);
        assertThat(produced.latencyNs().getTotalCount()).isEqualTo(1500);
        assertThat(produced.recordsPerSec()).isPositive();

        Workloads.ConsumeResult consumed = Workloads.consumeAll(bootstrap, "smoke", 3, limit);
        assertThat(consumed.records()).isEqualTo(1500);
        assertThat(consumed.valueBytes()).isEqualTo(1500L * 100);

        Workloads.EndToEndResult e2e = Workloads.endToEnd(bootstrap, "smoke", 3, 200, 100, 2000, limit);
        assertThat(e2e.latencyNs().getTotalCount()).isEqualTo(200);

        try (Workloads.IdleConnections idle = Workloads.openIdleConnections(broker.boundAddress(), 5, limit)) {
            assertThat(idle.size()).isEqualTo(5);
            Histogram metadata = Workloads.metadataLatency(bootstrap, 1, 5, limit);
            assertThat(metadata.getTotalCount()).isEqualTo(5);
        }
    }

    @Test
    void procStatsReadsThisProcess() throws Exception {
        ProcStats stats = ProcStats.of(ProcessHandle.current().pid());
        assertThat(stats.rssBytes()).isPositive();
        assertThat(stats.peakRssBytes()).isGreaterThanOrEqualTo(stats.rssBytes());
        assertThat(stats.cpuSeconds()).isPositive();
    }
}
