package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One broker the harness launched as a child process, its output going to a log file. The harness stops it by its
 * own PID only: SIGTERM, a bounded wait, then SIGKILL. Not thread-safe.
 */
final class BrokerProcess {
    private final String name;
    private final Process process;
    private final long launchNs;
    private final Path logFile;

    private BrokerProcess(String name, Process process, long launchNs, Path logFile) {
        this.name = name;
        this.process = process;
        this.launchNs = launchNs;
        this.logFile = logFile;
    }

    static BrokerProcess launch(String name, List<String> command, Map<String, String> env, Path logFile)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        long launchNs = System.nanoTime();
        return new BrokerProcess(name, pb.start(), launchNs, logFile);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    long launchNs() {
        return launchNs;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path logFile() {
        return logFile;
    }

    ProcStats stats() throws IOException {
        return ProcStats.of(process.pid());
    }

    /** The last {@code lines} lines of the broker's output, to explain a failure. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Sends SIGTERM and returns at once. */
    void signalStop() {
        if (process.isAlive()) {
            process.destroy();
        }
    }

    /** SIGTERM, wait up to {@code timeout}, then SIGKILL and wait again; returns the exit code. */
    int stop(Duration timeout) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.printf("%s (pid %d) did not stop within %s after SIGTERM: SIGKILL%n", name, pid(), timeout);
                process.destroyForcibly();
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return process.isAlive() ? -1 : process.exitValue();
    }
}
