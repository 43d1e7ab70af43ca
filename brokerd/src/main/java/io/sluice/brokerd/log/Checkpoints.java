package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka's offset checkpoint files ({@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint}):
 * a version line {@code 0}, a count line, then one {@code <topic> <partition> <offset>} line per partition.
 * Written atomically: tmp file, fsync, rename over the old one, fsync of the directory.
 */
public final class Checkpoints {

    private Checkpoints() {
    }

    static Map<TopicPartition, Long> read(Path file) throws IOException {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
            throw new IOException("unrecognised checkpoint file " + file);
        }
        int count = Integer.parseInt(lines.get(1).trim());
        for (int i = 0; i < count; i++) {
            String[] parts = lines.get(2 + i).trim().split(" ");
            if (parts.length != 3) {
                throw new IOException("malformed line " + (i + 3) + " in " + file);
            }
            out.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
        }
        return out;
    }

    static void write(Path file, Map<TopicPartition, Long> offsets) throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(offsets.size()).append('\n');
        offsets.forEach((tp, off) -> sb.append(tp.topic()).append(' ').append(tp.partition()).append(' ').append(off).append('\n'));
        writeAtomically(file, sb.toString());
    }

    /** Replaces {@code file} with {@code content} so that a crash leaves either the old or the new file whole. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(file.toAbsolutePath().getParent());
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
