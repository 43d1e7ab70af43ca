package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.ProducerStateManager.SnapshotEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Producer-state snapshot files, {@code <20-digit offset>.snapshot}: the producer state of a partition as of that
 * offset (everything below it applied), in Kafka's format (version 1), so Kafka's tools read them:
 * <pre>
 *   version int16 (1) | crc uint32 (CRC32C of everything after it) | count int32 | count x entry
 *   entry = producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 | offsetDelta int32
 *           | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64        (46 bytes)
 * </pre>
 * The log writes one when it rolls a segment (at the new segment's base offset, in the background with the rolled
 * segment's fsync) and one at its end on a clean shutdown; opening the log loads the newest one instead of replaying
 * every batch. Written to a {@code .tmp} file, fsynced and renamed, so a snapshot file is whole or absent. Stateless.
 */
final class ProducerSnapshots {
    static final String SUFFIX = ".snapshot";
    static final short VERSION = 1;
    private static final int HEADER_BYTES = 2 + 4 + 4;
    static final int ENTRY_BYTES = 46;

    private ProducerSnapshots() {
    }

    static Path file(Path dir, long offset) {
        return dir.resolve(Segment.fileName(offset) + SUFFIX);
    }

    static byte[] encode(List<SnapshotEntry> entries) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + entries.size() * ENTRY_BYTES);
        b.putShort(VERSION).putInt(0).putInt(entries.size());
        for (SnapshotEntry e : entries) {
            b.putLong(e.producerId()).putShort(e.epoch()).putInt(e.lastSequence()).putLong(e.lastOffset())
                    .putInt(e.offsetDelta()).putLong(e.timestampMs()).putInt(e.coordinatorEpoch()).putLong(e.currentTxnFirstOffset());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 6, b.capacity() - 6);
        b.putInt(2, (int) crc.getValue());
        return b.array();
    }

    /** Decodes a snapshot; throws IOException naming what is wrong (version, CRC, length). */
    static List<SnapshotEntry> decode(byte[] bytes) throws IOException {
        if (bytes.length < HEADER_BYTES) {
            throw new IOException("snapshot of " + bytes.length + " bytes is shorter than its header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        short version = b.getShort(0);
        if (version != VERSION) {
            throw new IOException("unknown snapshot version " + version);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, bytes.length - 6);
        long stored = Integer.toUnsignedLong(b.getInt(2));
        if (stored != crc.getValue()) {
            throw new IOException("snapshot CRC " + stored + " does not match its bytes (" + crc.getValue() + ")");
        }
        int count = b.getInt(6);
        if (count < 0 || (long) count * ENTRY_BYTES != bytes.length - HEADER_BYTES) {
            throw new IOException("snapshot claims " + count + " entries in " + (bytes.length - HEADER_BYTES) + " bytes");
        }
        List<SnapshotEntry> out = new ArrayList<>(count);
        b.position(HEADER_BYTES);
        for (int i = 0; i < count; i++) {
            out.add(new SnapshotEntry(b.getLong(), b.getShort(), b.getInt(), b.getLong(), b.getInt(), b.getLong(), b.getInt(), b.getLong()));
        }
        return out;
    }

    /** Writes {@code bytes} as the snapshot at {@code offset}: tmp file, fsync, rename, fsync of the directory. */
    static void write(Path dir, long offset, byte[] bytes) throws IOException {
        Path target = file(dir, offset);
        Path tmp = writeTemp(dir, offset, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Checkpoints.fsyncDir(dir);
    }

    /** Writes and fsyncs {@code bytes} to the snapshot's {@code .tmp} file (the caller renames it into place). */
    static Path writeTemp(Path dir, long offset, byte[] bytes) throws IOException {
        Path tmp = dir.resolve(Segment.fileName(offset) + SUFFIX + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        return tmp;
    }

    /** The snapshot files of {@code dir} by offset. */
    static NavigableMap<Long, Path> list(Path dir) throws IOException {
        NavigableMap<Long, Path> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX) && name.length() == 20 + SUFFIX.length()) {
                    try {
                        out.put(Long.parseLong(name.substring(0, 20)), p);
                    } catch (NumberFormatException e) {
                        // not one of ours: left alone
                    }
                }
            });
        }
        return out;
    }

    /** Deletes the snapshots of {@code dir} whose offset is below {@code from} or above {@code to}. */
    static void deleteOutside(Path dir, long from, long to) throws IOException {
        for (var e : list(dir).entrySet()) {
            if (e.getKey() < from || e.getKey() > to) {
                Files.deleteIfExists(e.getValue());
            }
        }
    }
}
