package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.InternalTopics;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.InterBrokerClient;
import io.sluice.brokerd.txn.TransactionCoordinator;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * KIP-890's question from a partition leader to a transactional id's coordinator: the coordinator of this broker
 * answers in-process; another broker's is asked with AddPartitionsToTxn v4, verifyOnly, over the inter-broker
 * listener. Without a {@code __transaction_state} topic no transaction can include anything (INVALID_TXN_STATE);
 * without a live leader of the id's partition the answer is COORDINATOR_NOT_AVAILABLE (retriable). Thread-safe.
 */
public final class TxnVerificationClient implements ProduceHandler.TransactionVerifier {
    private static final short VERSION = 4;
    static final long REQUEST_TIMEOUT_MS = 30_000;

    private final TransactionCoordinator coordinator;
    private final TopicRegistry registry;
    private final InterBrokerClient client;
    private final int nodeId;

    public TxnVerificationClient(TransactionCoordinator coordinator, TopicRegistry registry, InterBrokerClient client, int nodeId) {
        this.coordinator = coordinator;
        this.registry = registry;
        this.client = client;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                               Set<TopicPartition> partitions) {
        Optional<TopicInfo> stateTopic = registry.topic(InternalTopics.TRANSACTION_STATE);
        if (stateTopic.isEmpty()) {
            return CompletableFuture.completedFuture(all(partitions, Errors.INVALID_TXN_STATE));
        }
        PartitionState state = stateTopic.get().partition(coordinator.partitionFor(transactionalId));
        if (!state.isOnline()) {
            return CompletableFuture.completedFuture(all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (state.leader() == nodeId) {
            return CompletableFuture.completedFuture(coordinator.verify(transactionalId, producerId, producerEpoch, partitions));
        }
        Optional<BrokerRegistration> leader = registry.image().broker(state.leader()).filter(b -> !b.fenced());
        if (leader.isEmpty()) {
            return CompletableFuture.completedFuture(all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        for (TopicPartition tp : partitions) {
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t = topics.find(tp.topic());
            if (t == null) {
                t = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(tp.topic());
                topics.add(t);
            }
            t.partitions().add(tp.partition());
        }
        AddPartitionsToTxnRequestData req = new AddPartitionsToTxnRequestData();
        req.transactions().add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                .setProducerId(producerId).setProducerEpoch(producerEpoch).setVerifyOnly(true).setTopics(topics));
        return client.send(leader.get().host(), leader.get().port(), ApiKeys.ADD_PARTITIONS_TO_TXN, VERSION, req)
                .orTimeout(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((resp, failure) -> failure != null ? all(partitions, Errors.COORDINATOR_NOT_AVAILABLE)
                        : answers((AddPartitionsToTxnResponseData) resp, transactionalId, partitions));
    }

    private static Map<TopicPartition, Errors> answers(AddPartitionsToTxnResponseData resp, String transactionalId,
                                                       Set<TopicPartition> partitions) {
        if (resp.errorCode() != Errors.NONE.code()) {
            return all(partitions, Errors.forCode(resp.errorCode()));
        }
        Map<TopicPartition, Errors> out = all(partitions, Errors.INVALID_TXN_STATE); // unanswered: not confirmed
        AddPartitionsToTxnResponseData.AddPartitionsToTxnResult r = resp.resultsByTransaction().find(transactionalId);
        if (r != null) {
            for (AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult t : r.topicResults()) {
                for (AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult p : t.resultsByPartition()) {
                    TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                    if (out.containsKey(tp)) {
                        out.put(tp, Errors.forCode(p.partitionErrorCode()));
                    }
                }
            }
        }
        return out;
    }

    private static Map<TopicPartition, Errors> all(Set<TopicPartition> partitions, Errors e) {
        Map<TopicPartition, Errors> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, e));
        return out;
    }
}
