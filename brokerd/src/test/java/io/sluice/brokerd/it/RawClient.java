package io.sluice.brokerd.it;

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
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/** A blocking Kafka protocol client over a plain socket, for tests that send what real clients never would. */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    RawClient(String host, int port) throws IOException {
        this(host, port, null, 0);
    }

    /**
     * Connects from {@code localAddress} (any 127.x.y.z works on Linux loopback; null: the default) with a receive
     * buffer of {@code receiveBufferBytes} (0: the default), so tests can look like several hosts, or like a client
     * that is slow to read.
     */
    RawClient(String host, int port, String localAddress, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        if (localAddress != null) {
            socket.bind(new java.net.InetSocketAddress(localAddress, 0));
        }
        socket.connect(new java.net.InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void setReadTimeoutMs(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Serializes a request frame (size prefix included). */
    static byte[] frame(ApiKeys key, short version, int correlationId, ApiMessage body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("raw-test");
        short hv = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = h.size(cache, hv) + body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + size);
        buf.putInt(size);
        ByteBufferAccessor a = new ByteBufferAccessor(buf);
        h.write(a, cache, hv);
        body.write(a, cache, version);
        return buf.array();
    }

    /** Sends {@code body} without waiting for its response; returns its correlation id. */
    int send(ApiKeys key, short version, ApiMessage body) throws IOException {
        int corr = ++correlationId;
        sendBytes(frame(key, version, corr, body));
        return corr;
    }

    /** Sends {@code body} and reads the response, parsed in {@code responseVersion}. */
    ApiMessage call(ApiKeys key, short version, ApiMessage body, short responseVersion) throws IOException {
        int corr = send(key, version, body);
        ByteBuffer resp = readFrame();
        short hv = key == ApiKeys.API_VERSIONS ? 0 : key.responseHeaderVersion(responseVersion);
        ByteBufferAccessor a = new ByteBufferAccessor(resp);
        ResponseHeaderData header = new ResponseHeaderData(a, hv);
        if (header.correlationId() != corr) {
            throw new IOException("correlation id " + header.correlationId() + " != " + corr);
        }
        ApiMessage msg = ApiMessageType.fromApiKey(key.id).newResponse();
        msg.read(a, responseVersion);
        return msg;
    }

    ApiMessage call(ApiKeys key, short version, ApiMessage body) throws IOException {
        return call(key, version, body, version);
    }

    ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** True when the broker closed the connection (EOF) within the socket timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
