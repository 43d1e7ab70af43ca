package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceResponse;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Decides what the broker must do with a mutated request and whether it did. The expectation comes from parsing
 * the request exactly as the broker's dispatcher does (same kafka-clients readers, same order): a frame size of 0,
 * negative or over {@code socket.request.max.bytes}, an unknown or unadvertised API, an unsupported version (but
 * ApiVersions, which gets UNSUPPORTED_VERSION in a v0 response), or a header or body that does not parse must close
 * the connection; anything else must be answered (an acks=0 Produce gets no answer) with a response that parses
 * whole at the request's version, carries its correlation id, is not UNKNOWN_SERVER_ERROR (a handler threw), and
 * refuses the partitions whose batches lie (see {@link BatchLies}). Nothing may go unanswered past the deadline,
 * and the request sent after it on the same connection must still be answered.
 */
final class Judge {
    /** What the broker must do. */
    enum Expect { CLOSE, RESPONSE, NO_RESPONSE }

    /**
     * The expectation for one request, with the header fields the broker will read from it (the version of the
     * response) and the error the response must carry, if any.
     */
    record Expected(Expect expect, ApiKeys key, short version, int correlationId, String why, Errors required) {
        Expected(Expect expect, ApiKeys key, short version, int correlationId, String why) {
            this(expect, key, version, correlationId, why, null);
        }
    }

    /** The exchange as seen by the fuzzer: the first read after the request, and the sentinel's read. */
    record Observed(Wire.Read first, Wire.Read second) {
    }

    /** A judgement: the outcome's class for the statistics, the errors the response carried, and a finding or null. */
    record Verdict(String outcome, Map<Errors, Integer> errors, String finding) {
        static Verdict ok(String outcome) {
            return new Verdict(outcome, Map.of(), null);
        }

        static Verdict bad(String outcome, String finding) {
            return new Verdict(outcome, Map.of(), finding);
        }
    }

    private final TargetView view;
    private final int maxFrameBytes;

    Judge(TargetView view, int maxFrameBytes) {
        this.view = view;
        this.maxFrameBytes = maxFrameBytes;
    }

    Expected expect(Mutation m) {
        byte[] req = m.request();
        if (m.lyingSize() != null) {
            return new Expected(Expect.CLOSE, null, (short) -1, 0, "frame size " + m.lyingSize());
        }
        if (req.length == 0 || req.length > maxFrameBytes) {
            return new Expected(Expect.CLOSE, null, (short) -1, 0, "frame size " + req.length);
        }
        if (req.length < 8) {
            return new Expected(Expect.CLOSE, null, (short) -1, 0, "frame shorter than a request header");
        }
        ByteBuffer buf = ByteBuffer.wrap(req);
        short keyId = buf.getShort(0);
        short version = buf.getShort(2);
        int correlationId = buf.getInt(4);
        if (!ApiKeys.hasId(keyId)) {
            return new Expected(Expect.CLOSE, null, version, correlationId, "unknown API key " + keyId);
        }
        ApiKeys key = ApiKeys.forId(keyId);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buf);
        try {
            new RequestHeaderData(accessor, key.requestHeaderVersion(version));
        } catch (RuntimeException e) {
            return new Expected(Expect.CLOSE, key, version, correlationId, "header does not parse: " + e);
        }
        short[] range = view.apis().get(key);
        if (range == null) {
            return new Expected(Expect.CLOSE, key, version, correlationId, key + " is not advertised");
        }
        if (version < range[0] || version > range[1] || version < key.messageType.lowestSupportedVersion()) {
            return key == ApiKeys.API_VERSIONS
                    ? new Expected(Expect.RESPONSE, key, (short) 0, correlationId, "ApiVersions v" + version + " is answered in v0",
                            Errors.UNSUPPORTED_VERSION)
                    : new Expected(Expect.CLOSE, key, version, correlationId, key + " v" + version + " is not supported");
        }
        ApiMessage body = ApiMessageType.fromApiKey(keyId).newRequest();
        try {
            body.read(accessor, version);
        } catch (RuntimeException e) {
            return new Expected(Expect.CLOSE, key, version, correlationId, "body does not parse: " + e);
        }
        if (body instanceof ProduceRequestData p && p.acks() == 0) {
            return new Expected(Expect.NO_RESPONSE, key, version, correlationId, "acks=0");
        }
        return new Expected(Expect.RESPONSE, key, version, correlationId, "parses");
    }

    Verdict judge(Expected e, Observed o, Mutation m, int sentinelCorrelationId) {
        Wire.Read first = o.first();
        if (first instanceof Wire.Read.Silent s) {
            return Verdict.bad("stall", "no response and no close within the deadline (" + s.bytesReceived()
                    + " bytes of a response received); expected " + e.expect() + " (" + e.why() + ")");
        }
        if (first instanceof Wire.Read.Closed) {
            if (e.expect() == Expect.RESPONSE) {
                return Verdict.bad("closed", "closed the connection on a request that parses (" + e.key() + " v" + e.version()
                        + ") instead of answering it");
            }
            return Verdict.ok("closed");
        }
        byte[] frame = ((Wire.Read.Frame) first).bytes();
        if (e.expect() == Expect.CLOSE) {
            return Verdict.bad("answered", "answered a request it must refuse by closing the connection (" + e.why() + ")");
        }
        int correlationId = frame.length >= 4 ? ByteBuffer.wrap(frame).getInt(0) : -1;
        if (correlationId == sentinelCorrelationId && e.correlationId() != sentinelCorrelationId) {
            return e.expect() == Expect.NO_RESPONSE ? Verdict.ok("no-response")
                    : Verdict.bad("dropped", "left the request unanswered but answered the next one on the connection");
        }
        if (e.expect() == Expect.NO_RESPONSE) {
            return Verdict.bad("answered", "answered an acks=0 Produce");
        }
        Verdict response = response(e, frame, m);
        if (response.finding() != null) {
            return response;
        }
        String next = sentinel(o.second(), sentinelCorrelationId);
        return next != null ? new Verdict("sentinel-lost", response.errors(), next) : response;
    }

    /** The response to the mutated request: correlation id, whole parse, no UNKNOWN_SERVER_ERROR, lies refused. */
    private Verdict response(Expected e, byte[] frame, Mutation m) {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buf);
        AbstractResponse parsed;
        try {
            ResponseHeaderData header = new ResponseHeaderData(accessor,
                    e.key() == ApiKeys.API_VERSIONS ? 0 : e.key().responseHeaderVersion(e.version()));
            if (header.correlationId() != e.correlationId()) {
                return Verdict.bad("malformed", "response correlation id " + header.correlationId() + ", request's " + e.correlationId());
            }
            parsed = AbstractResponse.parseResponse(e.key(), accessor, e.version());
        } catch (RuntimeException ex) {
            return Verdict.bad("malformed", "the " + e.key() + " v" + e.version() + " response does not parse: " + ex);
        }
        if (buf.hasRemaining()) {
            return Verdict.bad("malformed", "the " + e.key() + " v" + e.version() + " response has " + buf.remaining() + " bytes past its end");
        }
        Map<Errors, Integer> errors = parsed.errorCounts();
        if (errors.containsKey(Errors.UNKNOWN_SERVER_ERROR)) {
            return new Verdict("unknown-server-error", errors, "answered UNKNOWN_SERVER_ERROR: a handler failed on this request");
        }
        if (e.required() != null && !errors.containsKey(e.required())) {
            return new Verdict("malformed", errors, "not answered " + e.required() + " (" + e.why() + ")");
        }
        if (!m.mustRefuse().isEmpty() && parsed instanceof ProduceResponse pr) {
            String accepted = acceptedLie(pr.data(), m, e.version());
            if (accepted != null) {
                return new Verdict("accepted-lie", errors, accepted);
            }
        }
        return new Verdict("answered", errors, null);
    }

    /** The first lying partition answered without an error, or null. */
    private static String acceptedLie(ProduceResponseData resp, Mutation m, short version) {
        for (Mutation.RefusedPartition rp : m.mustRefuse()) {
            for (ProduceResponseData.TopicProduceResponse t : resp.responses()) {
                boolean same = version >= 13 ? t.topicId().equals(rp.topicId()) : t.name().equals(rp.topic());
                if (!same) {
                    continue;
                }
                for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                    if (p.index() == rp.partition() && p.errorCode() == Errors.NONE.code()) {
                        return "accepted a batch it must refuse (" + rp.why() + "): base offset " + p.baseOffset();
                    }
                }
            }
        }
        return null;
    }

    /** What is wrong with the answer to the sentinel ApiVersions sent after the request, or null. */
    private static String sentinel(Wire.Read read, int sentinelCorrelationId) {
        if (read instanceof Wire.Read.Frame f) {
            int correlationId = f.bytes().length >= 4 ? ByteBuffer.wrap(f.bytes()).getInt(0) : -1;
            return correlationId == sentinelCorrelationId ? null
                    : "the next response on the connection has correlation id " + correlationId + ", not the sentinel's " + sentinelCorrelationId;
        }
        return "answered the request, then " + (read instanceof Wire.Read.Closed ? "closed the connection" : "did not answer")
                + " the ApiVersions request sent after it";
    }
}
