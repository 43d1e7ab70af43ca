package io.sluice.brokerd.it;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A group consumer in its own JVM, so a test can kill it with SIGKILL. Prints "assigned N" on every assignment and
 * "consumed P O" for each record it processed and committed.
 * Usage: GroupMemberMain BOOTSTRAP GROUP TOPIC SESSION_TIMEOUT_MS
 */
public final class GroupMemberMain {
    private GroupMemberMain() {
    }

    public static void main(String[] args) {
        Map<String, Object> cfg = Map.of("group.id", args[1], "session.timeout.ms", Integer.parseInt(args[3]),
                "heartbeat.interval.ms", 300, "client.id", "process-member");
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(args[0], cfg)) {
            c.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    System.out.println("assigned " + c.assignment().size());
                    System.out.flush();
                }
            });
            while (true) {
                var records = c.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    c.commitSync();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        System.out.println("consumed " + r.partition() + " " + r.offset());
                    }
                    System.out.flush();
                }
            }
        }
    }
}
