package io.sluice.brokerd.log;

/** A record's timestamp and offset, as ListOffsets returns them. */
public record TimestampOffset(long timestampMs, long offset) {
}
