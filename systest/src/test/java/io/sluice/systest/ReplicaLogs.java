package io.sluice.systest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Compares the replicas of a partition byte for byte, reading the brokers' segment files ({@code <data.dir>/<topic>-
 * <partition>/*.log}) from the test's side: every complete record batch (Kafka's v2 framing: 8-byte base offset,
 * 4-byte length) with offsets in a range, concatenated. Followers store the leader's batches unchanged (offsets,
 * leader epochs, CRCs), so in-sync replicas hold the same bytes for every offset they all have, whatever their
 * segment boundaries. A replica may be read while its broker appends: only whole batches below the smallest log end
 * of the replicas are compared.
 */
final class ReplicaLogs {
    /** One replica's batches: base offset -> the batch's bytes. */
    private record Batches(TreeMap<Long, byte[]> byBase, long endOffset) {
    }

    private ReplicaLogs() {
    }

    private static Batches read(Path partitionDir) throws IOException {
        TreeMap<Long, byte[]> out = new TreeMap<>();
        long end = -1;
        List<Path> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(partitionDir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().forEach(segments::add);
        }
        for (Path segment : segments) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(segment);
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // retired (renamed *.deleted) while listed: its offsets were not the log's any more
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
            int pos = 0;
            while (bytes.length - pos >= 61) {
                long base = buf.getLong(pos);
                int size = buf.getInt(pos + 8) + 12;
                if (size < 61 || pos + size > bytes.length) {
                    break; // a batch being written
                }
                int lastDelta = buf.getInt(pos + 23);
                out.put(base, Arrays.copyOfRange(bytes, pos, pos + size));
                end = Math.max(end, base + lastDelta + 1);
                pos += size;
            }
        }
        return new Batches(out, end);
    }

    /**
     * Compares {@code topic}-{@code partition} across the data dirs of {@code replicas} (node id -> data dir) for every
     * batch below the smallest log end among them and at or above the largest first offset. Returns null when the
     * replicas agree, else what differs. {@code comparedBytes[0]} gets the bytes compared per replica.
     */
    static String compare(String topic, int partition, Map<Integer, Path> replicas, long[] comparedBytes) throws IOException {
        Map<Integer, Batches> all = new TreeMap<>();
        for (Map.Entry<Integer, Path> r : replicas.entrySet()) {
            Path dir = r.getValue().resolve(topic + "-" + partition);
            if (!Files.isDirectory(dir)) {
                return "broker " + r.getKey() + " has no directory " + dir;
            }
            all.put(r.getKey(), read(dir));
        }
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        for (Batches b : all.values()) {
            from = Math.max(from, b.byBase().isEmpty() ? Long.MAX_VALUE : b.byBase().firstKey());
            to = Math.min(to, b.endOffset());
        }
        Integer reference = null;
        byte[] expected = null;
        for (Map.Entry<Integer, Batches> e : all.entrySet()) {
            byte[] mine = concat(e.getValue(), from, to);
            if (expected == null) {
                reference = e.getKey();
                expected = mine;
                comparedBytes[0] = mine.length;
            } else if (!Arrays.equals(expected, mine)) {
                return topic + "-" + partition + ": broker " + e.getKey() + " differs from broker " + reference
                        + " in offsets [" + from + ", " + to + ") (" + mine.length + " vs " + expected.length + " bytes, first "
                        + "difference at byte " + Arrays.mismatch(expected, mine) + ")";
            }
        }
        return null;
    }

    /** The batches whose offsets lie in [from, to), concatenated; a batch straddling {@code to} is left out. */
    private static byte[] concat(Batches b, long from, long to) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Map.Entry<Long, byte[]> e : b.byBase().tailMap(from, true).entrySet()) {
            ByteBuffer batch = ByteBuffer.wrap(e.getValue());
            long last = e.getKey() + batch.getInt(23);
            if (last >= to) {
                break;
            }
            out.writeBytes(e.getValue());
        }
        return out.toByteArray();
    }
}
