package io.sluice.ops;

import org.apache.kafka.common.record.FileLogInputStream;
import org.apache.kafka.common.record.FileRecords;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Offline reading of segment files (Kafka's .log format, which brokerd writes too): every batch with its offsets,
 * position, size and CRC check, and whether the file ends in a torn batch. Like kafka-dump-log. Stateless.
 */
public final class SegmentDump {

    public record Batch(long baseOffset, long lastOffset, int records, long position, int sizeBytes, boolean crcValid,
                        String compression, long maxTimestamp, long producerId) {
    }

    /** One .log file: its batches, the bytes after the last whole batch, and whether everything checked out. */
    public record Segment(String file, List<Batch> batches, long trailingBytes, boolean valid) {
    }

    private SegmentDump() {
    }

    /** A .log file, or every .log file of a partition directory in offset order. */
    public static List<Segment> read(Path path) {
        if (!Files.exists(path)) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, path + " does not exist");
        }
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            files = List.of(path);
        }
        List<Segment> out = new ArrayList<>();
        for (Path f : files) {
            out.add(readOne(f));
        }
        return out;
    }

    private static Segment readOne(Path file) {
        List<Batch> batches = new ArrayList<>();
        boolean valid = true;
        long end = 0;
        try (FileRecords records = FileRecords.open(file.toFile(), false)) {
            for (FileLogInputStream.FileChannelRecordBatch b : records.batches()) {
                boolean ok = b.isValid();
                valid &= ok;
                batches.add(new Batch(b.baseOffset(), b.lastOffset(), ok ? b.countOrNull() == null ? -1 : b.countOrNull() : -1,
                        b.position(), b.sizeInBytes(), ok, b.compressionType().name, b.maxTimestamp(), b.producerId()));
                end = b.position() + b.sizeInBytes();
            }
            long trailing = records.sizeInBytes() - end;
            return new Segment(file.toString(), batches, trailing, valid && trailing == 0);
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.ERROR, "reading " + file + ": " + e.getMessage(), e);
        } catch (org.apache.kafka.common.KafkaException e) {
            return new Segment(file.toString(), batches, -1, false);
        }
    }
}
