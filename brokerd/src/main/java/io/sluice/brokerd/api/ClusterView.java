package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;

/** How Metadata-like responses present brokers and partitions of the committed image. */
final class ClusterView {
    private ClusterView() {
    }

    /**
     * The live brokers clients may connect to. This broker is listed even before its own registration is committed,
     * so a client bootstrapping against it never sees an empty cluster.
     */
    static List<BrokerRegistration> liveBrokers(MetadataImage image, BrokerIdentity me) {
        List<BrokerRegistration> out = new ArrayList<>(image.liveBrokers());
        if (image.broker(me.nodeId()).isEmpty()) {
            out.add(me.asRegistration());
            out.sort((a, b) -> Integer.compare(a.nodeId(), b.nodeId()));
        }
        return out;
    }

    /** Replicas on brokers that are fenced or unknown. */
    static List<Integer> offlineReplicas(MetadataImage image, PartitionState p) {
        List<Integer> out = new ArrayList<>();
        for (int r : p.replicas()) {
            BrokerRegistration b = image.brokers().get(r);
            if (b == null || b.fenced()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The partition-level error of a Metadata answer: LEADER_NOT_AVAILABLE while it has no leader. */
    static Errors partitionError(PartitionState p) {
        return p.isOnline() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE;
    }

    static String rackOrNull(BrokerRegistration b) {
        return b.rack().isEmpty() ? null : b.rack();
    }
}
