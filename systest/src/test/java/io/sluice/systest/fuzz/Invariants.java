package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What must hold however many bad requests came before, checked every few hundred requests and at the end:
 * <ol>
 *   <li>the broker process is alive;</li>
 *   <li>it answers ApiVersions on a fresh connection;</li>
 *   <li>a produce/consume round trip with Java clients on the control topic returns every record byte for byte
 *       and the control group commits ({@link ControlRoundTrip});</li>
 *   <li>every segment it wrote passes {@code sluice log verify} and kafka-clients' record walk ({@link LogVerifier});</li>
 *   <li>its log holds no ERROR line and no thread death (a handler that threw, a task that failed, an uncaught
 *       exception: client input may cause none of them);</li>
 *   <li>after a full GC its heap use is under {@link #HEAP_BOUND_BYTES}, its direct buffers under
 *       {@link #DIRECT_BOUND_BYTES}, and it runs fewer than {@link #THREAD_BOUND} threads.</li>
 * </ol>
 */
final class Invariants {
    /** Heap in use after a full GC: a quarter of the broker's 256 MiB, about three times what it needs at rest. */
    static final long HEAP_BOUND_BYTES = 64L << 20;
    /** Direct buffers: Netty's socket reads and the file I/O buffers; requests are assembled in the heap. */
    static final long DIRECT_BOUND_BYTES = 32L << 20;
    static final int THREAD_BOUND = 200;
    private static final Pattern BAD_LINE = Pattern.compile(" ERROR |Thread .* died|Exception in thread|OutOfMemoryError");

    private final FuzzBroker broker;
    private final ControlRoundTrip control;
    private final LogVerifier logs;
    private final Duration timeout;
    private long peakHeapBytes;
    private long peakDirectBytes;
    private int peakThreads;
    private int correlationId;

    Invariants(FuzzBroker broker, ControlRoundTrip control, LogVerifier logs, Duration timeout) {
        this.broker = broker;
        this.control = control;
        this.logs = logs;
        this.timeout = timeout;
    }

    /** The largest heap use after GC, direct memory and thread count seen at the checks. */
    String peaks() {
        return String.format("heap after GC %.1f MiB (bound %d MiB), direct buffers %.1f MiB (bound %d MiB), %d threads (bound %d)",
                peakHeapBytes / 1048576.0, HEAP_BOUND_BYTES >> 20, peakDirectBytes / 1048576.0, DIRECT_BOUND_BYTES >> 20,
                peakThreads, THREAD_BOUND);
    }

    /** Everything that does not hold now; empty when all is well. Stops at a dead broker. */
    List<String> check() throws Exception {
        List<String> problems = new ArrayList<>();
        if (!broker.isRunning()) {
            problems.add("the broker process is not running; its log ends:\n" + broker.logTail());
            return problems;
        }
        problems.addAll(logProblems());
        String versions = apiVersions();
        if (versions != null) {
            problems.add(versions);
            return problems;
        }
        String roundTrip = control.check(timeout);
        if (roundTrip != null) {
            problems.add("control round trip: " + roundTrip);
        }
        logs.verify().forEach(p -> problems.add("log verification: " + p));
        problems.addAll(vitals());
        return problems;
    }

    private String apiVersions() {
        try (Wire wire = new Wire(broker.port())) {
            ApiVersionsResponseData r = (ApiVersionsResponseData) wire.call(ApiKeys.API_VERSIONS, (short) 3, ++correlationId,
                    new ApiVersionsRequestData().setClientSoftwareName("sluice-fuzz-check").setClientSoftwareVersion("1"), timeout.toMillis());
            return r.errorCode() == Errors.NONE.code() ? null : "ApiVersions on a fresh connection answered " + Errors.forCode(r.errorCode());
        } catch (Exception e) {
            return "ApiVersions on a fresh connection failed: " + e;
        }
    }

    /** ERROR lines and thread deaths logged since the last check, each with the lines that follow it (its stack). */
    private List<String> logProblems() throws java.io.IOException {
        List<String> lines = broker.newLogLines();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size() && problems.size() < 20; i++) {
            if (BAD_LINE.matcher(lines.get(i)).find()) {
                StringBuilder sb = new StringBuilder("broker log: ").append(lines.get(i));
                for (int j = i + 1; j < lines.size() && j <= i + 12 && !lines.get(j).matches("^\\d{4}-\\d\\d-\\d\\dT.*"); j++) {
                    sb.append('\n').append(lines.get(j));
                }
                problems.add(sb.toString());
            }
        }
        return problems;
    }

    private List<String> vitals() throws java.io.IOException {
        FuzzBroker.Vitals v = broker.vitals();
        peakHeapBytes = Math.max(peakHeapBytes, v.heapUsedAfterGcBytes());
        peakDirectBytes = Math.max(peakDirectBytes, v.directBytes());
        peakThreads = Math.max(peakThreads, v.threads());
        List<String> problems = new ArrayList<>();
        if (v.heapUsedAfterGcBytes() > HEAP_BOUND_BYTES) {
            problems.add("heap in use after a full GC is " + (v.heapUsedAfterGcBytes() >> 20) + " MiB, over the bound of "
                    + (HEAP_BOUND_BYTES >> 20) + " MiB");
        }
        if (v.directBytes() > DIRECT_BOUND_BYTES) {
            problems.add("direct buffers hold " + (v.directBytes() >> 20) + " MiB, over the bound of " + (DIRECT_BOUND_BYTES >> 20) + " MiB");
        }
        if (v.threads() > THREAD_BOUND) {
            problems.add(v.threads() + " threads, over the bound of " + THREAD_BOUND + ": " + v.threadNames());
        }
        return problems;
    }
}
