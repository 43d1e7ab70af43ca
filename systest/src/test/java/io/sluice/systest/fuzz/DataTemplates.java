package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Valid requests of the data path: Produce (real v2 batches of every codec, built by kafka-clients), Fetch,
 * ListOffsets, OffsetForLeaderEpoch, DeleteRecords, InitProducerId and DescribeProducers, as the Java client and
 * followers send them.
 * Fields a version does not have are left at their defaults (kafka-clients refuses to write them otherwise).
 */
final class DataTemplates {
    private DataTemplates() {
    }

    static void register(Map<ApiKeys, RequestGenerator.Template> out) {
        out.put(ApiKeys.PRODUCE, DataTemplates::produce);
        out.put(ApiKeys.FETCH, DataTemplates::fetch);
        out.put(ApiKeys.LIST_OFFSETS, DataTemplates::listOffsets);
        out.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, DataTemplates::offsetForLeaderEpoch);
        out.put(ApiKeys.DELETE_RECORDS, DataTemplates::deleteRecords);
        out.put(ApiKeys.INIT_PRODUCER_ID, DataTemplates::initProducerId);
        out.put(ApiKeys.DESCRIBE_PRODUCERS, DataTemplates::describeProducers);
    }

    static ApiMessage produce(short version, Plausible p) {
        ProduceRequestData req = new ProduceRequestData()
                .setTransactionalId(p.chance(3) ? "fz-txn" : null)
                .setAcks(p.oneOf((short) 1, (short) 1, (short) -1, (short) -1, (short) 0))
                .setTimeoutMs(p.timeoutMs());
        int topics = p.chance(80) ? 1 : 2;
        for (int ti = 0; ti < topics; ti++) {
            String topic = p.chance(85) ? p.oneOf(FuzzTopics.PLAIN, FuzzTopics.PLAIN, FuzzTopics.COMPACTED, FuzzTopics.LOG_APPEND_TIME) : p.topic();
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData();
            if (version >= 13) {
                td.setTopicId(p.topicId(topic));
            } else {
                td.setName(topic);
            }
            // A topic named twice would make the judge read another entry's answer as this one's.
            if (req.topicData().stream().anyMatch(other -> other.name().equals(td.name()) && other.topicId().equals(td.topicId()))) {
                continue;
            }
            for (int partition : p.partitions(topic)) {
                List<BatchSpec> batches = new ArrayList<>();
                int count = p.chance(90) ? 1 : 2;
                for (int b = 0; b < count; b++) {
                    batches.add(BatchSpec.random(p.rnd, p.nowMs, topic.equals(FuzzTopics.COMPACTED)));
                }
                td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(concat(batches)));
                p.produced.add(new BaseRequest.ProducedPartition(req.topicData().size(), td.partitionData().size() - 1, topic, batches));
            }
            req.topicData().add(td);
        }
        return req;
    }

    /** The batches one after the other, as one partition's records field. */
    static MemoryRecords concat(List<BatchSpec> batches) {
        List<ByteBuffer> encoded = new ArrayList<>();
        int size = 0;
        for (BatchSpec b : batches) {
            ByteBuffer buf = b.honest().buffer();
            encoded.add(buf);
            size += buf.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        encoded.forEach(all::put);
        return MemoryRecords.readableRecords(all.flip());
    }

    static MemoryRecords concatBytes(List<byte[]> batches) {
        int size = batches.stream().mapToInt(b -> b.length).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        batches.forEach(all::put);
        return MemoryRecords.readableRecords(all.flip());
    }

    static ApiMessage fetch(short version, Plausible p) {
        boolean asFollower = p.chance(5);
        int replicaId = asFollower ? p.oneOf(p.view.nodeId(), p.view.nodeId() + 1) : -1;
        FetchRequestData req = new FetchRequestData()
                .setMaxWaitMs(p.oneOf(0, 0, 10, 100, 500))
                .setMinBytes(p.oneOf(0, 1, 1, 1000))
                .setMaxBytes(p.oneOf(1 << 16, 1 << 18))
                .setIsolationLevel(p.oneOf((byte) 0, (byte) 1))
                .setSessionId(0)
                .setSessionEpoch(p.oneOf(-1, 0));
        if (version >= 15) {
            req.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId).setReplicaEpoch(asFollower ? 0 : -1));
        } else {
            req.setReplicaId(replicaId);
        }
        if (version >= 11) {
            req.setRackId("");
        }
        int topics = p.chance(80) ? 1 : 2;
        for (int t = 0; t < topics; t++) {
            String topic = p.topic();
            FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic();
            if (version >= 13) {
                ft.setTopicId(p.topicId(topic));
            } else {
                ft.setTopic(topic);
            }
            for (int partition : p.partitions(topic)) {
                FetchRequestData.FetchPartition fp = new FetchRequestData.FetchPartition().setPartition(partition)
                        .setCurrentLeaderEpoch(p.leaderEpoch()).setFetchOffset(p.offset())
                        .setLogStartOffset(-1).setPartitionMaxBytes(p.oneOf(1 << 12, 1 << 16));
                if (version >= 12) {
                    fp.setLastFetchedEpoch(p.chance(80) ? -1 : p.leaderEpoch());
                }
                ft.partitions().add(fp);
            }
            req.topics().add(ft);
        }
        return req;
    }

    static ApiMessage listOffsets(short version, Plausible p) {
        ListOffsetsRequestData req = new ListOffsetsRequestData().setReplicaId(-1).setTimeoutMs(p.timeoutMs());
        if (version >= 2) {
            req.setIsolationLevel(p.oneOf((byte) 0, (byte) 1));
        }
        String topic = p.topic();
        ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic().setName(topic);
        for (int partition : p.partitions(topic)) {
            t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(partition)
                    .setCurrentLeaderEpoch(p.leaderEpoch())
                    .setTimestamp(p.oneOf(-1L, -2L, -3L, -4L, -5L, p.nowMs - p.rnd.nextInt(3_600_000), 0L)));
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage offsetForLeaderEpoch(short version, Plausible p) {
        OffsetForLeaderEpochRequestData req = new OffsetForLeaderEpochRequestData().setReplicaId(-2);
        String topic = p.topic();
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(topic);
        for (int partition : p.partitions(topic)) {
            t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(partition)
                    .setCurrentLeaderEpoch(p.leaderEpoch()).setLeaderEpoch(p.leaderEpoch()));
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage deleteRecords(short version, Plausible p) {
        DeleteRecordsRequestData req = new DeleteRecordsRequestData().setTimeoutMs(p.timeoutMs());
        String topic = p.topic();
        DeleteRecordsRequestData.DeleteRecordsTopic t = new DeleteRecordsRequestData.DeleteRecordsTopic().setName(topic);
        for (int partition : p.partitions(topic)) {
            t.partitions().add(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(partition).setOffset(p.offset()));
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage initProducerId(short version, Plausible p) {
        InitProducerIdRequestData req = new InitProducerIdRequestData()
                .setTransactionalId(p.chance(10) ? "fz-txn" : null)
                .setTransactionTimeoutMs(p.oneOf(60_000, -1, 0));
        if (version >= 3 && p.chance(20)) {
            req.setProducerId(1_000_000L + p.rnd.nextInt(1000)).setProducerEpoch((short) 0);
        }
        return req;
    }

    static ApiMessage describeProducers(short version, Plausible p) {
        DescribeProducersRequestData req = new DescribeProducersRequestData();
        int n = p.chance(80) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            String topic = p.topic();
            if (req.topics().stream().noneMatch(t -> t.name().equals(topic))) {
                req.topics().add(new DescribeProducersRequestData.TopicRequest().setName(topic).setPartitionIndexes(p.partitions(topic)));
            }
        }
        return req;
    }
}
