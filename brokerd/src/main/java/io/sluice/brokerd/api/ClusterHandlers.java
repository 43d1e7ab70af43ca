package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The cluster family: DescribeCluster (key 60, v0-2), DescribeTopicPartitions (key 75, v0) and DescribeLogDirs
 * (key 35, v1-4: kafka-clients 4.2 knows no v5), from the committed image; the controller is the quorum leader.
 * DescribeLogDirs reports this broker's one log dir, the data dir, and the partitions it holds (KAFKA_STORAGE_ERROR and
 * nothing in it once an I/O error took it offline).
 */
public final class ClusterHandlers {
    static final byte ENDPOINT_BROKERS = 1;

    private final Supplier<BrokerIdentity> identity;
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final Path dataDir;
    private final BooleanSupplier dataDirOffline;
    private final IntSupplier controllerId;

    /** {@code dataDirOffline}: whether the data directory went offline after an I/O error. */
    public ClusterHandlers(Supplier<BrokerIdentity> identity, TopicRegistry registry, ReplicaManager replicas, Path dataDir,
                           BooleanSupplier dataDirOffline, IntSupplier controllerId) {
        this.identity = identity;
        this.dataDirOffline = dataDirOffline;
        this.controllerId = controllerId;
        this.registry = registry;
        this.replicas = replicas;
        this.dataDir = dataDir;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_CLUSTER, 0, 2, (ctx, r) -> CompletableFuture.completedFuture(describeCluster(ctx, (DescribeClusterRequestData) r)));
        apis.register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, 0, 0,
                (ctx, r) -> CompletableFuture.completedFuture(describeTopicPartitions((DescribeTopicPartitionsRequestData) r)));
        apis.register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 4, (ctx, r) -> CompletableFuture.supplyAsync(() -> describeLogDirs((DescribeLogDirsRequestData) r), ctx.executor()));
    }

    ApiMessage describeCluster(RequestContext ctx, DescribeClusterRequestData req) {
        BrokerIdentity me = identity.get();
        DescribeClusterResponseData resp = new DescribeClusterResponseData().setClusterId(me.clusterId())
                .setControllerId(controllerId.getAsInt() < 0 ? me.nodeId() : controllerId.getAsInt()).setEndpointType(req.endpointType())
                .setClusterAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED);
        if (req.endpointType() != ENDPOINT_BROKERS) {
            return resp.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type " + req.endpointType());
        }
        MetadataImage image = registry.image();
        List<BrokerRegistration> brokers = req.includeFencedBrokers() ? new ArrayList<>(image.brokers().values())
                : ClusterView.liveBrokers(image, me);
        for (BrokerRegistration b : brokers) {
            // Each broker's address on this request's listener; a broker without that listener is left out (Kafka).
            b.endpoint(ctx.session().listenerName()).ifPresent(e -> resp.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                    .setBrokerId(b.nodeId()).setHost(e.host()).setPort(e.port()).setRack(ClusterView.rackOrNull(b)).setIsFenced(b.fenced())));
        }
        return resp;
    }

    ApiMessage describeTopicPartitions(DescribeTopicPartitionsRequestData req) {
        MetadataImage image = registry.image();
        DescribeTopicPartitionsResponseData resp = new DescribeTopicPartitionsResponseData();
        List<String> names = new ArrayList<>();
        if (req.topics().isEmpty()) {
            registry.topics().forEach(t -> names.add(t.name()));
        } else {
            req.topics().forEach(t -> names.add(t.name()));
        }
        names.sort(null);
        if (req.cursor() != null && req.cursor().partitionIndex() < 0) {
            // As Kafka: the cursor must name a valid partition, or the request is invalid (each topic says so)
            for (String name : names) {
                resp.topics().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic().setName(name)
                        .setErrorCode(Errors.INVALID_REQUEST.code()).setTopicAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED));
            }
            return resp;
        }
        String cursorTopic = req.cursor() == null ? null : req.cursor().topicName();
        int cursorPartition = req.cursor() == null ? 0 : req.cursor().partitionIndex();
        int budget = req.responsePartitionLimit() <= 0 ? 2000 : req.responsePartitionLimit();
        for (String name : names) {
            if (cursorTopic != null && name.compareTo(cursorTopic) < 0) {
                continue;
            }
            Optional<TopicInfo> t = image.topic(name);
            DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic rt = new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic()
                    .setName(name).setTopicAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED);
            if (t.isEmpty()) {
                resp.topics().add(rt.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                continue;
            }
            rt.setTopicId(Uuids.toKafka(t.get().topicId())).setIsInternal(t.get().isInternal());
            int first = name.equals(cursorTopic) ? cursorPartition : 0;
            for (int p = first; p < t.get().partitions(); p++) {
                if (budget == 0) {
                    resp.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(p));
                    resp.topics().add(rt);
                    return resp;
                }
                PartitionState ps = t.get().partition(p);
                rt.partitions().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition()
                        .setPartitionIndex(p).setErrorCode(ClusterView.partitionError(ps).code()).setLeaderId(ps.leader())
                        .setLeaderEpoch(ps.leaderEpoch()).setReplicaNodes(ps.replicas()).setIsrNodes(ps.isr())
                        .setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of())
                        .setOfflineReplicas(ClusterView.offlineReplicas(image, ps)));
                budget--;
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    ApiMessage describeLogDirs(DescribeLogDirsRequestData req) {
        DescribeLogDirsResponseData.DescribeLogDirsResult dir = new DescribeLogDirsResponseData.DescribeLogDirsResult()
                .setErrorCode(Errors.NONE.code()).setLogDir(dataDir.toAbsolutePath().toString());
        if (dataDirOffline.getAsBoolean()) {
            // As Kafka reports an offline directory: its error and nothing in it.
            dir.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setTotalBytes(-1).setUsableBytes(-1);
            return new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code()).setResults(new ArrayList<>(List.of(dir)));
        }
        try {
            FileStore store = Files.getFileStore(dataDir);
            dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            throw new UncheckedIOException("reading file store of " + dataDir, e);
        }
        List<TopicInfo> topics = new ArrayList<>();
        if (req.topics() == null) {
            topics.addAll(registry.topics());
        } else {
            req.topics().forEach(t -> registry.topic(t.topic()).ifPresent(topics::add));
        }
        for (TopicInfo t : topics) {
            DescribeLogDirsResponseData.DescribeLogDirsTopic dt = new DescribeLogDirsResponseData.DescribeLogDirsTopic().setName(t.name());
            DescribeLogDirsRequestData.DescribableLogDirTopic wanted = req.topics() == null ? null : req.topics().find(t.name());
            for (int p = 0; p < t.partitions(); p++) {
                if (wanted != null && !wanted.partitions().contains(p)) {
                    continue;
                }
                Optional<PartitionLog> log = replicas.log(new TopicPartition(t.name(), p));
                if (log.isPresent()) {
                    dt.partitions().add(new DescribeLogDirsResponseData.DescribeLogDirsPartition().setPartitionIndex(p)
                            .setPartitionSize(log.get().sizeBytes()).setOffsetLag(0).setIsFutureKey(false));
                }
            }
            dir.topics().add(dt);
        }
        DescribeLogDirsResponseData resp = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
        resp.results().add(dir);
        return resp;
    }
}
