package io.sluice.systest;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A blocking Kafka protocol client on one connection to one broker, for tests that must know which broker answers a
 * request and when (a real client picks brokers itself). A request may be sent now and its response read later.
 */
final class RawKafkaClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    RawKafkaClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends a request without reading its response; returns its correlation id. */
    int send(ApiKeys key, short version, ApiMessage body) throws IOException {
        int corr = ++correlationId;
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(corr).setClientId("systest-raw");
        short hv = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = h.size(cache, hv) + body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + size);
        buf.putInt(size);
        ByteBufferAccessor a = new ByteBufferAccessor(buf);
        h.write(a, cache, hv);
        body.write(a, cache, version);
        out.write(buf.array());
        out.flush();
        return corr;
    }

    /** Whether any byte of a response has arrived (never blocks). */
    boolean responseArrived() throws IOException {
        return in.available() > 0;
    }

    /** Reads the response to request {@code corr}, waiting at most {@code timeout}. */
    ApiMessage receive(ApiKeys key, short version, int corr, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        ByteBufferAccessor a = new ByteBufferAccessor(ByteBuffer.wrap(frame));
        ResponseHeaderData header = new ResponseHeaderData(a, key.responseHeaderVersion(version));
        if (header.correlationId() != corr) {
            throw new IOException("correlation id " + header.correlationId() + " != " + corr);
        }
        ApiMessage msg = ApiMessageType.fromApiKey(key.id).newResponse();
        msg.read(a, version);
        return msg;
    }

    /** Sends and reads the response (10 s at most). */
    ApiMessage call(ApiKeys key, short version, ApiMessage body) throws IOException {
        return receive(key, version, send(key, version, body), Duration.ofSeconds(10));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
