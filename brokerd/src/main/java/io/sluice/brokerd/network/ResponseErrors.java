package io.sluice.brokerd.network;

import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.requests.AbstractRequest;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Error codes and responses: finds every error code in a response message, at any depth (top level, per topic, per
 * partition, per member), for the errors-by-API metric (the accessors of each generated message class are looked up
 * once and cached); and is the one place that turns an unexpected throwable into the right error response for a
 * request's API and version ({@link #errorResponse}).
 */
final class ResponseErrors {

    /** How to reach the error code and the nested messages of one message class. */
    private record Shape(MethodHandle errorCode, List<MethodHandle> children) {
    }

    /** Methods every message has (duplicate(), ...) that are not fields. */
    private static final java.util.Set<String> MESSAGE_METHODS = java.util.stream.Stream
            .concat(java.util.Arrays.stream(Message.class.getMethods()), java.util.Arrays.stream(ApiMessage.class.getMethods()))
            .map(Method::getName).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle error = null;
            List<MethodHandle> children = new ArrayList<>();
            for (Method m : type.getMethods()) {
                if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || MESSAGE_METHODS.contains(m.getName())) {
                    continue;
                }
                try {
                    if (m.getName().equals("errorCode") && m.getReturnType() == short.class) {
                        error = lookup.unreflect(m).asType(MethodType.methodType(short.class, Object.class));
                    } else if (Collection.class.isAssignableFrom(m.getReturnType()) || Message.class.isAssignableFrom(m.getReturnType())) {
                        children.add(lookup.unreflect(m).asType(MethodType.methodType(Object.class, Object.class)));
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot read " + type.getName() + "." + m.getName(), e);
                }
            }
            return new Shape(error, children);
        }
    };

    private ResponseErrors() {
    }

    /**
     * Calls {@code action} with each non-NONE error found in {@code response}. Produce and Fetch, the hot APIs, read
     * their error codes directly (the fields the walk would find: Fetch's top level and partitions, Produce's
     * partitions; {@code ResponseErrorsTest} holds them to the walk); every other response is walked.
     */
    static void forEach(ApiMessage response, Consumer<Errors> action) {
        if (response instanceof FetchResponseData fetch) {
            fetchErrors(fetch, action);
        } else if (response instanceof ProduceResponseData produce) {
            produceErrors(produce, action);
        } else {
            walk(response, action);
        }
    }

    /**
     * The error response of the request whose body (in {@code version}) is {@code body} for an unexpected
     * {@code cause}: that API's own response shape, every partition/topic/member carrying the error. A Kafka
     * {@code ApiException} keeps its code; anything else (a bug, an Error) is UNKNOWN_SERVER_ERROR, so no internal
     * message reaches the client. Throws when the body does not parse (it did once, so only on a broker bug).
     */
    static ApiMessage errorResponse(ApiKeys api, short version, ByteBuffer body, Throwable cause) {
        AbstractRequest request = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(body.duplicate())).request;
        Throwable reported = Errors.forException(cause) == Errors.UNKNOWN_SERVER_ERROR ? Errors.UNKNOWN_SERVER_ERROR.exception() : cause;
        return request.getErrorResponse(0, reported).data();
    }

    /** The reflective walk, for any message. */
    static void walk(ApiMessage response, Consumer<Errors> action) {
        visit(response, action, 0);
    }

    private static void fetchErrors(FetchResponseData response, Consumer<Errors> action) {
        maybeAccept(response.errorCode(), action);
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData partition : topic.partitions()) {
                maybeAccept(partition.errorCode(), action);
            }
        }
    }

    private static void produceErrors(ProduceResponseData response, Consumer<Errors> action) {
        for (ProduceResponseData.TopicProduceResponse topic : response.responses()) {
            for (ProduceResponseData.PartitionProduceResponse partition : topic.partitionResponses()) {
                maybeAccept(partition.errorCode(), action);
            }
        }
    }

    private static void maybeAccept(short code, Consumer<Errors> action) {
        if (code != 0) {
            action.accept(Errors.forCode(code));
        }
    }

    private static void visit(Object message, Consumer<Errors> action, int depth) {
        if (depth > 6) {
            return;
        }
        Shape shape = SHAPES.get(message.getClass());
        try {
            if (shape.errorCode() != null) {
                short code = (short) shape.errorCode().invokeExact(message);
                if (code != 0) {
                    action.accept(Errors.forCode(code));
                }
            }
            for (MethodHandle child : shape.children()) {
                Object value = (Object) child.invokeExact(message);
                if (value instanceof Message m) {
                    visit(m, action, depth + 1);
                } else if (value instanceof Collection<?> c) {
                    for (Object o : c) {
                        if (o instanceof Message m) {
                            visit(m, action, depth + 1);
                        }
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading error codes of " + message.getClass().getName(), t);
        }
    }
}
