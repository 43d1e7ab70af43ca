package io.sluice.brokerd.producer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Hands out producer ids for InitProducerId. Ids are reserved in blocks of {@link #BLOCK_SIZE}: the end of the
 * reserved block is written to {@code <data.dir>/producer-id-block} (tmp + fsync + rename) before any id of the
 * block is handed out, so no id is given twice, also across crashes. Thread-safe. (The controller takes this over
 * in a cluster.)
 */
public final class ProducerIdManager {
    static final long BLOCK_SIZE = 1000;
    private final Path file;
    private long next;
    private long blockEnd;

    public ProducerIdManager(Path dataDir) {
        this.file = dataDir.resolve("producer-id-block");
        try {
            long reserved = Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim()) : 0;
            this.next = reserved;
            this.blockEnd = reserved;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file + " is corrupt: " + e.getMessage(), e);
        }
    }

    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            reserve(blockEnd + BLOCK_SIZE);
        }
        return next++;
    }

    private void reserve(long end) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap((end + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("reserving producer ids in " + file, e);
        }
        blockEnd = end;
    }
}
