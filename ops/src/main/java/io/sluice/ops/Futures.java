package io.sluice.ops;

import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.concurrent.ExecutionException;

/** Waits on Admin futures and turns their failures into {@link OpsException}s with operator wording. */
final class Futures {
    private Futures() {
    }

    static <T> T get(KafkaFuture<T> f, ClusterConnection c, String what) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(OpsException.Kind.ERROR, what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(e.getCause(), c, what);
        }
    }

    static OpsException translate(Throwable cause, ClusterConnection c, String what) {
        OpsException denied = SecurityErrors.translate(cause, what, c.clientProperties());
        if (denied != null) {
            return denied;
        }
        if (cause instanceof TimeoutException) {
            return new OpsException(OpsException.Kind.ERROR, what + ": no answer from " + c.bootstrap() + " within "
                    + c.timeout().toSeconds() + " s (is a broker running there? check --brokers)", cause);
        }
        if (cause instanceof UnknownTopicOrPartitionException
                && org.apache.kafka.common.protocol.Errors.UNKNOWN_TOPIC_OR_PARTITION.message().equals(cause.getMessage())) {
            // The protocol's stock text ("This server does not host this topic-partition") reads like a placement problem.
            return new OpsException(OpsException.Kind.NOT_FOUND, what + ": no such topic or partition (sluice topic list shows the topics)", cause);
        }
        if (cause instanceof UnknownTopicOrPartitionException || cause instanceof GroupIdNotFoundException) {
            return new OpsException(OpsException.Kind.NOT_FOUND, what + ": " + cause.getMessage(), cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.GroupNotEmptyException
                || cause instanceof org.apache.kafka.common.errors.GroupSubscribedToTopicException) {
            return new OpsException(OpsException.Kind.ERROR, what + ": " + cause.getMessage() + " (stop its consumers first)", cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.InvalidRequestException) {
            return new OpsException(OpsException.Kind.USAGE, what + ": " + cause.getMessage(), cause);
        }
        if (cause instanceof InvalidConfigurationException || cause instanceof InvalidTopicException
                || cause instanceof InvalidPartitionsException || cause instanceof InvalidReplicationFactorException
                || cause instanceof TopicExistsException) {
            return new OpsException(OpsException.Kind.USAGE, what + ": " + cause.getMessage(), cause);
        }
        return new OpsException(OpsException.Kind.ERROR, what + ": " + cause.getMessage(), cause);
    }
}
