package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.Map;

/**
 * Valid requests of the transaction family, as the Java producer (AddPartitionsToTxn v0-3, AddOffsetsToTxn, EndTxn)
 * and a transaction coordinator (AddPartitionsToTxn v4+ with verifyOnly, WriteTxnMarkers) send them: on the
 * transactional id the data templates use ({@code fz-txn}) or a stray one, with producer ids and epochs that mostly
 * do not match what the coordinator holds, so the coordinator's refusals are exercised as much as its writes.
 */
final class TxnTemplates {
    static final String TRANSACTIONAL_ID = "fz-txn";

    private TxnTemplates() {
    }

    static void register(Map<ApiKeys, RequestGenerator.Template> out) {
        out.put(ApiKeys.ADD_PARTITIONS_TO_TXN, TxnTemplates::addPartitionsToTxn);
        out.put(ApiKeys.ADD_OFFSETS_TO_TXN, TxnTemplates::addOffsetsToTxn);
        out.put(ApiKeys.END_TXN, TxnTemplates::endTxn);
        out.put(ApiKeys.WRITE_TXN_MARKERS, TxnTemplates::writeTxnMarkers);
        out.put(ApiKeys.DESCRIBE_TRANSACTIONS, TxnTemplates::describeTransactions);
        out.put(ApiKeys.LIST_TRANSACTIONS, TxnTemplates::listTransactions);
    }

    private static String transactionalId(Plausible p) {
        return p.chance(80) ? TRANSACTIONAL_ID : p.oneOf("fz-other", "", "x".repeat(300));
    }

    private static long producerId(Plausible p) {
        return p.chance(90) ? 1_000_000L + p.rnd.nextInt(1000) : p.oneOf(-1L, 0L, Long.MAX_VALUE);
    }

    private static short epoch(Plausible p) {
        return p.oneOf((short) 0, (short) 0, (short) 1, (short) -1, Short.MAX_VALUE);
    }

    private static AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics(Plausible p) {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection out = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        int n = p.chance(80) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            String topic = p.topic();
            if (out.find(topic) == null) {
                out.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(topic).setPartitions(p.partitions(topic)));
            }
        }
        return out;
    }

    static ApiMessage addPartitionsToTxn(short version, Plausible p) {
        AddPartitionsToTxnRequestData req = new AddPartitionsToTxnRequestData();
        if (version < 4) {
            return req.setV3AndBelowTransactionalId(transactionalId(p)).setV3AndBelowProducerId(producerId(p))
                    .setV3AndBelowProducerEpoch(epoch(p)).setV3AndBelowTopics(topics(p));
        }
        int n = p.chance(80) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            String id = i == 0 ? transactionalId(p) : "fz-second";
            if (req.transactions().find(id) == null) {
                req.transactions().add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId(id)
                        .setProducerId(producerId(p)).setProducerEpoch(epoch(p)).setVerifyOnly(p.chance(70)).setTopics(topics(p)));
            }
        }
        return req;
    }

    static ApiMessage addOffsetsToTxn(short version, Plausible p) {
        return new AddOffsetsToTxnRequestData().setTransactionalId(transactionalId(p)).setProducerId(producerId(p))
                .setProducerEpoch(epoch(p)).setGroupId(p.chance(90) ? p.offsetsGroup() : "");
    }

    static ApiMessage endTxn(short version, Plausible p) {
        return new EndTxnRequestData().setTransactionalId(transactionalId(p)).setProducerId(producerId(p))
                .setProducerEpoch(epoch(p)).setCommitted(p.chance(50));
    }

    static ApiMessage writeTxnMarkers(short version, Plausible p) {
        WriteTxnMarkersRequestData.WritableTxnMarker m = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(producerId(p)).setProducerEpoch(epoch(p)).setTransactionResult(p.chance(50))
                .setCoordinatorEpoch(p.between(-1, 3));
        String topic = p.topic();
        m.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(p.partitions(topic)));
        WriteTxnMarkersRequestData req = new WriteTxnMarkersRequestData();
        req.markers().add(m);
        return req;
    }

    static ApiMessage describeTransactions(short version, Plausible p) {
        DescribeTransactionsRequestData req = new DescribeTransactionsRequestData();
        int n = p.between(1, 3);
        for (int i = 0; i < n; i++) {
            req.transactionalIds().add(transactionalId(p));
        }
        return req;
    }

    static ApiMessage listTransactions(short version, Plausible p) {
        ListTransactionsRequestData req = new ListTransactionsRequestData();
        if (p.chance(30)) {
            req.stateFilters().add(p.oneOf("Ongoing", "CompleteCommit", "Empty", "NoSuchState", ""));
        }
        if (p.chance(20)) {
            req.producerIdFilters().add(producerId(p));
        }
        if (version >= 1 && p.chance(30)) {
            req.setDurationFilter(p.oneOf(-1L, 0L, 1_000L, Long.MAX_VALUE));
        }
        if (version >= 2 && p.chance(30)) {
            req.setTransactionalIdPattern(p.oneOf("fz-.*", ".*", "(", "[a-z"));
        }
        return req;
    }
}
