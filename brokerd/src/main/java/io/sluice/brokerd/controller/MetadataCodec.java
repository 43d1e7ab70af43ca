package io.sluice.brokerd.controller;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.metadata.MetadataImage;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON forms of what the controller stores and sends: commands (Raft log entries), results (replies) and images
 * (snapshots). Unknown fields are ignored so a newer broker's additions do not stop an older one reading.
 */
final class MetadataCodec {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private MetadataCodec() {
    }

    static byte[] encode(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding " + value.getClass().getSimpleName(), e);
        }
    }

    static MetadataCommand command(byte[] bytes) {
        return read(bytes, MetadataCommand.class);
    }

    static CommandResult result(byte[] bytes) {
        return read(bytes, CommandResult.class);
    }

    static MetadataImage image(byte[] bytes) {
        return read(bytes, MetadataImage.class);
    }

    static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("decoding " + type.getSimpleName(), e);
        }
    }
}
