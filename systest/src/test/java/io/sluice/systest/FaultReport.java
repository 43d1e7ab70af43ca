package io.sluice.systest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Collects one row per injected fault (how long until acks=all produce worked again) into the Markdown table
 * {@code target/fault-report.md} of the module the tests run in. The first row written by a JVM starts a new file;
 * later rows (other tests and classes in the same Failsafe run) are appended. Thread-safe.
 */
final class FaultReport {
    private static final Path FILE = Path.of("target", "fault-report.md");
    private static boolean started;

    private FaultReport() {
    }

    /**
     * Prints and records a row. {@code firstMs}: fault to the first acknowledged acks=all record sent after it on an
     * affected partition; {@code allMs}: until every affected partition had one; {@code detail}: what was hit and
     * anything else worth a reader's attention.
     */
    static void add(String test, String fault, String affected, VerifyingProducer.Recovery recovery, String detail) {
        System.out.printf("FAULT %s: %s, affected partitions %s: first acks=all produce after %d ms, all affected after %d ms (%s)%n",
                test, fault, affected, recovery.firstMs(), recovery.allMs(), detail);
        write("| " + test + " | " + fault + " | " + affected + " | " + recovery.firstMs() + " | " + recovery.allMs() + " | "
                + detail.replace("|", "/") + " |\n");
    }

    /** Prints and records a row without times, e.g. the verification at the end of a multi-fault test. */
    static void note(String test, String what, String detail) {
        System.out.printf("FAULT %s: %s (%s)%n", test, what, detail);
        write("| " + test + " | " + what + " | - | - | - | " + detail.replace("|", "/") + " |\n");
    }

    private static synchronized void write(String row) {
        try {
            Files.createDirectories(FILE.getParent());
            if (!started) {
                started = true;
                Files.writeString(FILE, "# Fault report (" + Instant.now() + ")\n\n"
                        + "Times in ms from the fault to a successful acks=all produce of a record sent after the fault: the first on "
                        + "an affected partition, then the last affected partition.\n\n"
                        + "| test | fault | affected partitions | first ack ms | all affected ms | detail |\n"
                        + "| --- | --- | --- | ---: | ---: | --- |\n");
            }
            Files.writeString(FILE, row, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
