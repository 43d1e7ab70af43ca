package io.sluice.brokerd.network;

import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * Record bytes that stay in a segment file: a Fetch response carries these in its records fields and the network
 * layer's serializer turns them into a Netty {@code DefaultFileRegion} (sendfile) between the serialized bytes
 * around them.
 */
public final class FileRegionRecords implements BaseRecords {
    private final FileSlice slice;

    public FileRegionRecords(FileSlice slice) {
        this.slice = slice;
    }

    public FileSlice slice() {
        return slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.sizeBytes();
    }

    /** Not used: brokerd never goes through kafka-clients' Send machinery. */
    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("FileRegionRecords are written by brokerd's network layer");
    }
}
