package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Topic set-up for cluster tests. */
final class Topics {
    private Topics() {
    }

    /**
     * Creates the topics and waits until the brokers the Admin client asks know them with a leader for every
     * partition. CreateTopics returns once the controller committed and the receiving broker applied the change;
     * other brokers apply it moments later (as in Kafka), so a describe sent to one of them may still answer
     * UNKNOWN_TOPIC_OR_PARTITION.
     */
    static Map<String, TopicDescription> createAndAwait(Admin admin, NewTopic... topics) throws Exception {
        admin.createTopics(Arrays.asList(topics)).all().get(60, TimeUnit.SECONDS);
        List<String> names = Arrays.stream(topics).map(NewTopic::name).toList();
        @SuppressWarnings("unchecked")
        Map<String, TopicDescription>[] known = new Map[1];
        BrokerCluster.waitFor(() -> {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                known[0] = d;
                return d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null));
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), () -> names + " to be known to the brokers");
        return known[0];
    }
}
