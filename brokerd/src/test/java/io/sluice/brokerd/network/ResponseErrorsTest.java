package io.sluice.brokerd.network;

import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The direct reads for Produce and Fetch find exactly what the reflective walk finds. */
@Timeout(10)
class ResponseErrorsTest {

    @Test
    void theDirectReadsCoverEveryErrorCodeFieldOfProduceAndFetch() {
        // If a kafka-clients upgrade adds an error code anywhere in these responses, the direct reads must learn it.
        assertThat(classesWithErrorCode(FetchResponseData.class))
                .containsExactlyInAnyOrder(FetchResponseData.class, FetchResponseData.PartitionData.class);
        assertThat(classesWithErrorCode(ProduceResponseData.class))
                .containsExactlyInAnyOrder(ProduceResponseData.PartitionProduceResponse.class);
    }

    @Test
    void fetchErrorsAreThoseTheWalkFinds() {
        FetchResponseData r = new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        for (int t = 0; t < 3; t++) {
            FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse().setTopic("t" + t);
            for (int p = 0; p < 7; p++) {
                topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p)
                        .setErrorCode(p % 3 == 0 ? Errors.NONE.code() : p % 3 == 1 ? Errors.NOT_LEADER_OR_FOLLOWER.code()
                                : Errors.OFFSET_OUT_OF_RANGE.code())
                        .setAbortedTransactions(new ArrayList<>(List.of(new FetchResponseData.AbortedTransaction().setProducerId(p)))));
            }
            r.responses().add(topic);
        }
        r.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(1).setHost("h").setPort(9092));

        assertSameAsWalk(r, 13);
        assertSameAsWalk(new FetchResponseData(), 0);
    }

    @Test
    void produceErrorsAreThoseTheWalkFinds() {
        ProduceResponseData r = new ProduceResponseData();
        for (int t = 0; t < 3; t++) {
            ProduceResponseData.TopicProduceResponse topic = new ProduceResponseData.TopicProduceResponse().setName("t" + t);
            for (int p = 0; p < 5; p++) {
                topic.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p)
                        .setErrorCode(p == 2 ? Errors.NONE.code() : Errors.forCode((short) (t + p + 1)).code())
                        .setRecordErrors(new ArrayList<>(List.of(new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(0)))));
            }
            r.responses().add(topic);
        }

        assertSameAsWalk(r, 12);
        assertSameAsWalk(new ProduceResponseData(), 0);
    }

    @Test
    void otherResponsesAreWalked() {
        MetadataResponseData m = new MetadataResponseData();
        m.topics().add(new MetadataResponseData.MetadataResponseTopic().setName("x").setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        List<Errors> found = new ArrayList<>();
        ResponseErrors.forEach(m, found::add);
        assertThat(found).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    private static void assertSameAsWalk(ApiMessage response, int expectedErrors) {
        List<Errors> direct = new ArrayList<>();
        List<Errors> walked = new ArrayList<>();
        ResponseErrors.forEach(response, direct::add);
        ResponseErrors.walk(response, walked::add);
        assertThat(direct).hasSize(expectedErrors).containsExactlyInAnyOrderElementsOf(walked);
    }

    /** Every message class reachable from {@code root} through message and collection accessors with an errorCode(). */
    private static Set<Class<?>> classesWithErrorCode(Class<?> root) {
        Set<Class<?>> seen = new HashSet<>();
        Set<Class<?>> withError = new HashSet<>();
        collect(root, seen, withError);
        return withError;
    }

    private static void collect(Class<?> type, Set<Class<?>> seen, Set<Class<?>> withError) {
        if (!seen.add(type)) {
            return;
        }
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            if (m.getName().equals("errorCode") && m.getReturnType() == short.class) {
                withError.add(type);
            }
            Class<?> element = messageType(m.getGenericReturnType());
            if (element != null && element != type) {
                collect(element, seen, withError);
            }
        }
    }

    /** The message class a return type holds: itself, or a collection's element type. */
    private static Class<?> messageType(Type t) {
        if (t instanceof Class<?> c) {
            if (Message.class.isAssignableFrom(c) && !c.isInterface()) {
                return c;
            }
            if (Collection.class.isAssignableFrom(c) && c.getGenericSuperclass() instanceof ParameterizedType p) {
                return messageType(p.getActualTypeArguments()[0]); // generated XCollection extends ...Collection<X>
            }
        } else if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
                && Collection.class.isAssignableFrom(raw)) {
            return messageType(p.getActualTypeArguments()[0]);
        }
        return null;
    }
}
