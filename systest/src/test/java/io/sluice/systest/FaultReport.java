package io.sluice.systest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The fault matrix's report, {@code target/fault-report.md} of the module the tests run in: one row per scenario run
 * (how long until acks=all produce worked again on the partitions it interrupted, what the checks found), and the
 * checker's verdict per run. The first line written by a JVM starts a new file. Thread-safe.
 */
final class FaultReport {
    private static final Path FILE = Path.of("target", "fault-report.md");
    private static boolean started;

    private FaultReport() {
    }

    /** Starts the report: what ran, with which settings. */
    static synchronized void begin(String profile) {
        started = true;
        write("# Fault matrix report (" + Instant.now() + ")\n\n" + profile + "\n\n"
                + "Recovery: ms from the fault to the first acknowledged acks=all produce of a record sent after it, on the "
                + "first and on the last partition it interrupted. Replicas: bytes compared per replica of every partition "
                + "after the scenario healed (all replicas byte-identical below their common log end).\n", false);
    }

    /** Starts the section of run {@code run}. */
    static void beginRun(int run, String settings) {
        write("\n## Run " + run + "\n\n" + settings + "\n\n"
                + "| scenario | fault | interrupted | first ack ms | all ms | replicas | result |\n"
                + "| --- | --- | --- | ---: | ---: | --- | --- |\n", true);
    }

    static void scenario(int run, String scenario, String fault, String affected, long firstMs, long allMs, String replicas,
                         String result) {
        String row = "| " + scenario + " | " + fault + " | " + affected + " | " + firstMs + " | " + allMs + " | "
                + replicas + " | " + result + " |";
        System.out.println("MATRIX run " + run + " " + row);
        write(row.replace("\n", " ") + "\n", true);
    }

    /** The checker's verdict for a whole run. */
    static void verdict(int run, String summary, boolean ok, String examples) {
        String text = "\n**Run " + run + ": " + (ok ? "OK" : "ANOMALIES") + "** — " + summary + "\n"
                + (examples.isEmpty() ? "" : "\n```\n" + examples + "```\n") + "\n";
        System.out.println("MATRIX run " + run + ": " + summary);
        write(text, true);
    }

    private static synchronized void write(String text, boolean append) {
        try {
            Files.createDirectories(FILE.getParent());
            if (append && started) {
                Files.writeString(FILE, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } else {
                started = true;
                Files.writeString(FILE, text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
