package io.sluice.brokerd.network;

/**
 * Why a connection stopped reading requests (Netty autoRead off). Each is named after the config key that sets it,
 * which is also the {@code limit} label of {@code sluice_read_pauses_total} and what the log line names.
 */
enum ReadLimit {
    /** The broker-wide bytes of requests read but not answered reached {@code queued.max.request.bytes}. */
    QUEUED_REQUEST_BYTES("queued.max.request.bytes"),
    /** This connection's bytes of requests read but not answered reached its cap. */
    CONNECTION_REQUEST_BYTES("queued.max.request.bytes.per.connection"),
    /** This connection has {@code max.inflight.requests.per.connection} requests whose responses have not left. */
    CONNECTION_REQUESTS("max.inflight.requests.per.connection"),
    /**
     * The client does not read its responses: the connection's outbound buffer is above Netty's write-buffer high
     * water mark. Not configurable; reading resumes once the buffer drains below the low water mark.
     */
    UNREAD_RESPONSES("unread.responses");

    private final String key;

    ReadLimit(String key) {
        this.key = key;
    }

    /** The config key (or, for {@link #UNREAD_RESPONSES}, the name) of this limit. */
    String key() {
        return key;
    }
}
