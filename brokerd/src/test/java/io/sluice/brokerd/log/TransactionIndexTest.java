package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code .txnindex}: Kafka's 34-byte entries, Kafka's collection rule, truncation, torn tails. */
@Timeout(10)
class TransactionIndexTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(Segment.fileName(0) + ".txnindex");
    }

    @Test
    void entriesAreWrittenInKafkasLayoutAndReadBack() throws Exception {
        TransactionIndex index = new TransactionIndex(file(), LogFileChannels.DEFAULT);
        assertThat(Files.exists(file())).as("created with its first entry, as Kafka does").isFalse();
        index.append(new AbortedTxn(5, 10, 20, 10));
        index.append(new AbortedTxn(6, 12, 30, 31));
        index.close();
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file()));
        assertThat(b.capacity()).isEqualTo(68);
        assertThat(b.getShort(0)).isZero();
        assertThat(b.getLong(2)).isEqualTo(5);
        assertThat(b.getLong(10)).isEqualTo(10);
        assertThat(b.getLong(18)).isEqualTo(20);
        assertThat(b.getLong(26)).isEqualTo(10);
        assertThat(b.getLong(34 + 2)).isEqualTo(6);

        TransactionIndex reopened = new TransactionIndex(file(), LogFileChannels.DEFAULT);
        assertThat(reopened.entries()).containsExactly(new AbortedTxn(5, 10, 20, 10), new AbortedTxn(6, 12, 30, 31));
        reopened.close();
    }

    @Test
    void collectTakesOverlappingTransactionsUntilOneShowsEverythingBelowTheBoundHadEnded() throws Exception {
        TransactionIndex index = new TransactionIndex(file(), LogFileChannels.DEFAULT);
        index.append(new AbortedTxn(1, 0, 5, 3));     // another txn still open at 3 when this one aborted
        index.append(new AbortedTxn(2, 3, 8, 9));     // everything below 9 had ended
        index.append(new AbortedTxn(3, 10, 12, 13));
        assertThat(index.collect(6, 9).found()).containsExactly(new AbortedTxn(2, 3, 8, 9));
        assertThat(index.collect(6, 9).complete()).isTrue();
        assertThat(index.collect(0, 20).found()).hasSize(3);
        assertThat(index.collect(0, 20).complete()).as("a later segment may hold more").isFalse();
        assertThat(index.collect(0, 3).found()).containsExactly(new AbortedTxn(1, 0, 5, 3));
        assertThat(index.collect(0, 3).complete()).isTrue();
        index.close();
    }

    @Test
    void truncationDropsEntriesWhoseMarkerWasCutAndATornTailIsCutOnLoad() throws Exception {
        TransactionIndex index = new TransactionIndex(file(), LogFileChannels.DEFAULT);
        index.append(new AbortedTxn(1, 0, 5, 6));
        index.append(new AbortedTxn(2, 6, 9, 10));
        index.truncateTo(9);
        assertThat(index.entries()).containsExactly(new AbortedTxn(1, 0, 5, 6));
        assertThat(Files.size(file())).isEqualTo(34);
        assertThatThrownBy(() -> index.append(new AbortedTxn(3, 0, 4, 5))).isInstanceOf(IllegalStateException.class);
        index.close();

        Files.write(file(), new byte[]{0, 0, 1}, java.nio.file.StandardOpenOption.APPEND);
        TransactionIndex torn = new TransactionIndex(file(), LogFileChannels.DEFAULT);
        assertThat(torn.entries()).containsExactly(new AbortedTxn(1, 0, 5, 6));
        assertThat(Files.size(file())).isEqualTo(34);
        torn.close();
    }

    @Test
    void anUnknownEntryVersionIsAnErrorNotSilentlySkipped() throws Exception {
        Files.write(file(), ByteBuffer.allocate(34).putShort((short) 7).array());
        assertThatThrownBy(() -> new TransactionIndex(file(), LogFileChannels.DEFAULT)).hasMessageContaining("unknown version 7");
    }
}
