package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The resource limits of a real broker as a client meets them: connections refused at accept beyond
 * {@code max.connections}, {@code max.connections.per.ip} and its overrides; a fetch's wait cut to
 * {@code fetch.max.wait.ms}; a parked fetch released when its client goes away; reading paused for a client that
 * does not read its responses. Each is counted on /metrics, and the broker keeps serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitsIT {
    @TempDir
    Path dataDir;

    private static boolean answersApiVersions(RawClient c) throws IOException {
        ApiVersionsResponseData r = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 3,
                new ApiVersionsRequestData().setClientSoftwareName("limits-it").setClientSoftwareVersion("1"));
        return r.errorCode() == Errors.NONE.code();
    }

    @Test
    void connectionsBeyondTheLimitsAreClosedAtAcceptAndCounted() throws Exception {
        // Loopback answers on all of 127/8, so clients bound to 127.0.0.2 and 127.0.0.3 look like other hosts.
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("max.connections", "5", "max.connections.per.ip", "2",
                "max.connections.per.ip.overrides", "127.0.0.1:3"))) {
            int port = broker.boundAddress().getPort();
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    open.add(new RawClient("127.0.0.1", port, "127.0.0.1", 0));
                }
                for (int i = 0; i < 2; i++) {
                    open.add(new RawClient("127.0.0.1", port, "127.0.0.2", 0));
                }
                for (RawClient c : open) {
                    assertThat(answersApiVersions(c)).isTrue();
                }
                try (RawClient overOverride = new RawClient("127.0.0.1", port, "127.0.0.1", 0);
                     RawClient overPerIp = new RawClient("127.0.0.1", port, "127.0.0.2", 0)) {
                    assertThat(overOverride.closedByPeer()).as("a fourth from 127.0.0.1 (override 3)").isTrue();
                    assertThat(overPerIp.closedByPeer()).as("a third from 127.0.0.2 (max.connections.per.ip 2)").isTrue();
                }
                try (RawClient overTotal = new RawClient("127.0.0.1", port, "127.0.0.3", 0)) {
                    assertThat(overTotal.closedByPeer()).as("a sixth in all (max.connections 5)").isTrue();
                }
                Map<String, Double> m = ItSupport.metrics(broker);
                assertThat(m).containsEntry("sluice_connections_refused_total{limit=\"max.connections.per.ip\"}", 2.0)
                        .containsEntry("sluice_connections_refused_total{limit=\"max.connections\"}", 1.0)
                        .containsEntry("sluice_connections", 5.0);

                open.remove(0).close();
                ItSupport.waitFor(() -> ItSupport.metric(broker, "sluice_connections") == 4.0, Duration.ofSeconds(10),
                        "the closed connection to be counted out");
                try (RawClient again = new RawClient("127.0.0.1", port, "127.0.0.3", 0)) {
                    assertThat(answersApiVersions(again)).as("a slot freed by a close is usable").isTrue();
                }
                for (RawClient c : open) {
                    assertThat(answersApiVersions(c)).as("the connections admitted are unaffected").isTrue();
                }
            } finally {
                for (RawClient c : open) {
                    c.close();
                }
            }
        }
    }

    private static FetchRequestData fetch(String topic, int maxWaitMs) {
        FetchRequestData req = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        req.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1).setLogStartOffset(-1))));
        return req;
    }

    @Test
    void aFetchAskingToWaitLongerThanFetchMaxWaitMsIsAnsweredAtTheBrokersMaximum() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("fetch.max.wait.ms", "300"));
             Admin admin = ItSupport.admin(broker.bootstrapServers());
             RawClient raw = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            ItSupport.createTopic(admin, "waits", 1, Map.of());
            long startNs = System.nanoTime();
            // The raw client's read timeout is 10 s: the 60 s asked for would fail the call.
            FetchResponseData r = (FetchResponseData) raw.call(ApiKeys.FETCH, (short) 12, fetch("waits", 60_000));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

            assertThat(r.errorCode()).isEqualTo(Errors.NONE.code());
            FetchResponseData.PartitionData p = r.responses().get(0).partitions().get(0);
            assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(p.records() == null ? 0 : p.records().sizeInBytes()).as("nothing to read").isZero();
            assertThat(waitedMs).as("waited fetch.max.wait.ms, not 60 s").isBetween(250L, 9_000L);
            assertThat(ItSupport.metrics(broker)).containsEntry("sluice_fetch_max_wait_clamped_total", 1.0);
        }
    }

    @Test
    void aParkedFetchIsReleasedWhenItsConnectionCloses() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of());
             Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "parked", 1, Map.of());
            try (RawClient raw = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
                raw.send(ApiKeys.FETCH, (short) 12, fetch("parked", 25_000));
                ItSupport.waitFor(() -> ItSupport.metric(broker, "sluice_fetch_long_poll_waiters") == 1.0, Duration.ofSeconds(10),
                        "the fetch to park");
            }
            // Well before its 25 s wait ends.
            ItSupport.waitFor(() -> ItSupport.metric(broker, "sluice_fetch_long_poll_waiters") == 0.0, Duration.ofSeconds(5),
                    "the fetch of the closed connection to leave the purgatory");
            assertThat(ItSupport.metrics(broker)).containsEntry("sluice_delayed_requests_released_total{kind=\"fetch\"}", 1.0);
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
                assertThat(p.send(new ProducerRecord<>("parked", 0, null, new byte[]{1})).get().offset())
                        .as("the append that would have woken it works").isZero();
            }
        }
    }

    @Test
    void aClientThatDoesNotReadItsResponsesStopsBeingRead() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of());
             RawClient lazy = new RawClient("127.0.0.1", broker.boundAddress().getPort(), null, 4096)) {
            ApiVersionsRequestData req = new ApiVersionsRequestData().setClientSoftwareName("lazy").setClientSoftwareVersion("1");
            // The writes block once the broker stops reading: send from another thread, never read a response.
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 50_000; i++) {
                        lazy.send(ApiKeys.API_VERSIONS, (short) 3, req);
                    }
                } catch (IOException e) {
                    // the connection is closed at the end of the test
                }
            }, "lazy-writer");
            writer.setDaemon(true);
            writer.start();
            ItSupport.waitFor(() -> ItSupport.metric(broker, "sluice_read_pauses_total{limit=\"unread.responses\"}") >= 1.0,
                    Duration.ofSeconds(30), "reads from the client to pause");
            try (RawClient other = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
                assertThat(answersApiVersions(other)).as("other clients are served meanwhile").isTrue();
            }
            lazy.close();
            writer.join(10_000);
        }
    }
}
