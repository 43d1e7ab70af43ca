package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.ProducerStateManager.SnapshotEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Producer snapshots in Kafka's format (version 1, CRC32C over everything after the CRC). */
@Timeout(10)
class ProducerSnapshotsTest {
    @TempDir
    Path dir;

    private static final List<SnapshotEntry> ENTRIES = List.of(
            new SnapshotEntry(7, (short) 2, 41, 100, 4, 1_700_000_000_000L, 3, 90),
            new SnapshotEntry(9, (short) 0, -1, -1, 0, 5, -1, -1));

    @Test
    void theBytesAreKafkasLayout() {
        byte[] bytes = ProducerSnapshots.encode(ENTRIES);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertThat(bytes).hasSize(10 + 2 * 46);
        assertThat(b.getShort(0)).isEqualTo((short) 1);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, bytes.length - 6);
        assertThat(Integer.toUnsignedLong(b.getInt(2))).isEqualTo(crc.getValue());
        assertThat(b.getInt(6)).isEqualTo(2);
        b.position(10);
        assertThat(b.getLong()).isEqualTo(7);
        assertThat(b.getShort()).isEqualTo((short) 2);
        assertThat(b.getInt()).isEqualTo(41);
        assertThat(b.getLong()).isEqualTo(100);
        assertThat(b.getInt()).isEqualTo(4);
        assertThat(b.getLong()).isEqualTo(1_700_000_000_000L);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(90);
    }

    @Test
    void aWrittenSnapshotReadsBackAndIsListedByOffset() throws Exception {
        ProducerSnapshots.write(dir, 42, ProducerSnapshots.encode(ENTRIES));
        assertThat(dir.resolve("00000000000000000042.snapshot")).exists();
        assertThat(ProducerSnapshots.list(dir)).containsOnlyKeys(42L);
        assertThat(ProducerSnapshots.decode(Files.readAllBytes(ProducerSnapshots.file(dir, 42)))).isEqualTo(ENTRIES);
        ProducerSnapshots.deleteOutside(dir, 43, Long.MAX_VALUE);
        assertThat(ProducerSnapshots.list(dir)).isEmpty();
    }

    @Test
    void damagedSnapshotsAreRefusedWithTheReason() {
        byte[] bytes = ProducerSnapshots.encode(ENTRIES);
        byte[] flipped = bytes.clone();
        flipped[20] ^= 1;
        assertThatThrownBy(() -> ProducerSnapshots.decode(flipped)).hasMessageContaining("CRC");
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        assertThatThrownBy(() -> ProducerSnapshots.decode(cut)).hasMessageContaining("CRC");
        byte[] v2 = bytes.clone();
        v2[1] = 2;
        assertThatThrownBy(() -> ProducerSnapshots.decode(v2)).hasMessageContaining("version 2");
        assertThatThrownBy(() -> ProducerSnapshots.decode(new byte[3])).hasMessageContaining("shorter than its header");
    }
}
