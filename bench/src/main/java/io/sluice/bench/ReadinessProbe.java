package io.sluice.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Measures launch-to-first-successful-produce. The producer is built before the broker is launched, so its own
 * start-up cost is not charged to the broker; it retries every 20 ms (connect, metadata, send) until one record
 * to an auto-created topic is acknowledged with acks=1. Not thread-safe.
 */
final class ReadinessProbe implements AutoCloseable {
    static final String TOPIC = "ready-probe";
    private final KafkaProducer<byte[], byte[]> producer;

    ReadinessProbe(String bootstrap) {
        Map<String, Object> p = Workloads.producerConfig(bootstrap, "1", Workloads.Batching.CLIENT_DEFAULT);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 1500);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 20);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 20);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 20);
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 20);
        p.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 500);
        p.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 500);
        producer = new KafkaProducer<>(new HashMap<>(p));
    }

    /** Milliseconds from {@code launchNs} to the first acknowledged record; gives up when a broker dies. */
    double awaitFirstProduce(long launchNs, List<BrokerProcess> brokers, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadlineNs = launchNs + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadlineNs) {
            for (BrokerProcess b : brokers) {
                if (!b.isAlive()) {
                    throw new IllegalStateException(b.name() + " exited during start-up:\n" + b.tail(30));
                }
            }
            try {
                producer.send(new ProducerRecord<>(TOPIC, new byte[]{1})).get(2, TimeUnit.SECONDS);
                return (System.nanoTime() - launchNs) / 1e6;
            } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
                last = e;
                Thread.sleep(20); // retry pace while the broker starts; bounded by deadlineNs
            }
        }
        throw new TimeoutException("no produce succeeded within " + timeout + "; last error: " + last);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
