package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * One plain TCP connection to the broker under test, for bytes no real client would send. Reads are bounded by a
 * deadline and tell a closed connection (EOF or reset) from a silent one (timeout). Not thread-safe.
 */
final class Wire implements AutoCloseable {
    /** What one read of a response frame found. */
    sealed interface Read {
        /** A whole frame (the size prefix removed). */
        record Frame(byte[] bytes) implements Read {
        }

        /** The broker closed the connection (EOF, or a reset) before a whole frame arrived. */
        record Closed(String how) implements Read {
        }

        /** Nothing (or not a whole frame) before the deadline. */
        record Silent(int bytesReceived) implements Read {
        }
    }

    /** A response frame is never larger than this here (the fuzzer asks for small fetches): larger is garbage. */
    private static final int MAX_RESPONSE_BYTES = 64 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    Wire(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Serializes header and body of a request (no size prefix). */
    static byte[] encode(ApiKeys key, short version, int correlationId, String clientId, ApiMessage body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId(clientId);
        short hv = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = h.size(cache, hv) + body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(size);
        ByteBufferAccessor a = new ByteBufferAccessor(buf);
        h.write(a, cache, hv);
        body.write(a, cache, version);
        return buf.array();
    }

    /** {@code request} with its 4-byte size in front, as the protocol frames it. */
    static byte[] framed(byte[] request) {
        return ByteBuffer.allocate(4 + request.length).putInt(request.length).put(request).array();
    }

    /** Writes {@code bytes} as they are (whole frames, size prefixes included). */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one response frame, waiting until {@code deadlineNs} (System.nanoTime) at most. */
    Read read(long deadlineNs) throws IOException {
        int received = 0;
        try {
            byte[] sizeField = new byte[4];
            received = readFully(sizeField, deadlineNs, 0);
            int size = ByteBuffer.wrap(sizeField).getInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException("response frame size " + size);
            }
            byte[] frame = new byte[size];
            readFully(frame, deadlineNs, 4);
            return new Read.Frame(frame);
        } catch (EOFException e) {
            return new Read.Closed("EOF");
        } catch (SocketTimeoutException e) {
            return new Read.Silent(received);
        } catch (java.net.SocketException e) {
            return new Read.Closed(e.getMessage());
        }
    }

    /** Reads {@code into} whole; {@code before} bytes of the frame came earlier (for the count a timeout reports). */
    private int readFully(byte[] into, long deadlineNs, int before) throws IOException {
        int n = 0;
        while (n < into.length) {
            long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new SocketTimeoutException((before + n) + " bytes");
            }
            socket.setSoTimeout((int) Math.min(leftMs, Integer.MAX_VALUE));
            int r = in.read(into, n, into.length - n);
            if (r < 0) {
                throw new EOFException();
            }
            n += r;
        }
        return before + n;
    }

    /** Sends a well-formed request and parses its response (for probes, not for fuzzing). */
    ApiMessage call(ApiKeys key, short version, int correlationId, ApiMessage body, long timeoutMs) throws IOException {
        write(framed(encode(key, version, correlationId, "sluice-fuzz-probe", body)));
        Read r = read(System.nanoTime() + timeoutMs * 1_000_000);
        if (!(r instanceof Read.Frame f)) {
            throw new IOException(key + " v" + version + " probe got no response: " + r);
        }
        ByteBufferAccessor a = new ByteBufferAccessor(ByteBuffer.wrap(f.bytes()));
        ResponseHeaderData header = new ResponseHeaderData(a, key == ApiKeys.API_VERSIONS ? 0 : key.responseHeaderVersion(version));
        if (header.correlationId() != correlationId) {
            throw new IOException(key + " probe: correlation id " + header.correlationId() + " != " + correlationId);
        }
        ApiMessage msg = ApiMessageType.fromApiKey(key.id).newResponse();
        msg.read(a, version);
        return msg;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
