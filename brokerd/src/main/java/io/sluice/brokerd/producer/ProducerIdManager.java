package io.sluice.brokerd.producer;

import java.nio.file.Path;

/**
 * Hands out producer ids for InitProducerId. Ids are reserved in blocks persisted to
 * {@code <data.dir>/producer-id-block} (tmp + fsync + rename) before any id of the block is handed out,
 * so no id is ever given twice, also across crashes. Thread-safe. (The controller takes this over in a cluster.)
 */
public final class ProducerIdManager {

    public ProducerIdManager(Path dataDir) {
        throw new UnsupportedOperationException("producer: implement");
    }

    public long nextProducerId() {
        throw new UnsupportedOperationException("producer: implement");
    }
}
