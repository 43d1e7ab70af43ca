package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Random;

/**
 * The fuzz loop. Each iteration generates a valid request ({@link RequestGenerator}) from the iteration's own
 * randomness ({@link FuzzSettings#random}), mutates it ({@link Mutators}), sends it on one connection followed by a
 * sentinel ApiVersions request, and has the {@link Judge} decide whether the answer was right; every
 * {@code checkEvery} requests, and at the end, the {@link Invariants} are checked. A request finding is recorded
 * (with seed, iteration and hex) and the run goes on, on a new connection; a broken invariant ends the run, since
 * what follows would be judged against a broker that is already wrong. Single-threaded: one request at a time.
 */
final class FuzzRunner {
    private static final Logger log = LoggerFactory.getLogger(FuzzRunner.class);

    private final FuzzSettings settings;
    private final FuzzBroker broker;
    private final Invariants invariants;
    private final FuzzReport report;
    private final Mutators mutators = new Mutators();
    private TargetView view;
    private RequestGenerator generator;
    private Judge judge;
    private Wire wire;

    FuzzRunner(FuzzSettings settings, FuzzBroker broker, Invariants invariants, FuzzReport report) {
        this.settings = settings;
        this.broker = broker;
        this.invariants = invariants;
        this.report = report;
    }

    /** Runs until the budget is spent or an invariant breaks. */
    void run() throws Exception {
        refreshView();
        List<String> before = invariants.check();
        if (!before.isEmpty()) {
            throw new AssertionError("the broker fails the checks before any fuzzing: " + before);
        }
        report.started();
        long deadlineNs = settings.budget().isZero() ? Long.MAX_VALUE : System.nanoTime() + settings.budget().toNanos();
        long sinceCheck = 0;
        try {
            for (long i = settings.firstIteration(); i <= settings.lastIteration() && System.nanoTime() < deadlineNs; i++) {
                iteration(i);
                if (++sinceCheck >= settings.checkEvery()) {
                    sinceCheck = 0;
                    if (!check(i)) {
                        return;
                    }
                    refreshView();
                }
                if (report.requests() % 10_000 == 0) {
                    log.info("fuzz: {}; {}", report.summary(), invariants.peaks());
                }
            }
            check(settings.lastIteration() == Long.MAX_VALUE ? -1 : settings.lastIteration());
        } finally {
            report.finished(invariants.peaks());
            if (wire != null) {
                wire.close();
            }
        }
    }

    private void refreshView() throws IOException {
        view = TargetView.probe(broker.port(), FuzzTopics::fuzzable);
        if (generator == null) {
            generator = new RequestGenerator(view);
        }
        judge = new Judge(view, FuzzBroker.MAX_FRAME_BYTES);
    }

    /** Checks the invariants; false (after recording them) when one broke. */
    private boolean check(long iteration) throws Exception {
        List<String> problems = invariants.check();
        report.checked();
        for (String p : problems) {
            report.finding(new FuzzReport.Finding(settings.seed(), iteration, "invariant check", "-", "after the requests up to this iteration", p, null));
            log.error("fuzz finding after iteration {}: {}", iteration, p);
        }
        return problems.isEmpty();
    }

    /** Generates, mutates, sends and judges the request of iteration {@code i}. */
    private void iteration(long i) throws IOException {
        Random rnd = settings.random(i);
        long nowMs = System.currentTimeMillis();
        BaseRequest base = generator.generate(new Plausible(rnd, view, i, nowMs));
        int correlationId = (int) i;
        Mutation m = mutators.mutate(new Mutator.Subject(base, correlationId, rnd, view, FuzzBroker.MAX_FRAME_BYTES, nowMs));
        Judge.Expected expected = judge.expect(m);
        int sentinel = ~expected.correlationId();
        Judge.Observed observed = exchange(m, expected, sentinel);
        Judge.Verdict verdict = judge.judge(expected, observed, m, sentinel);
        report.record(base, m, verdict);
        if (verdict.finding() != null) {
            FuzzReport.Finding f = new FuzzReport.Finding(settings.seed(), i, base.toString(), m.mutator(), m.description(),
                    verdict.finding() + " [expected " + expected.expect() + ": " + expected.why() + "]", m.hex(4096));
            report.finding(f);
            log.error("fuzz finding: {}", f);
        }
        boolean connectionUsable = observed.first() instanceof Wire.Read.Frame && verdict.finding() == null
                && expected.expect() != Judge.Expect.CLOSE;
        if (!connectionUsable) {
            wire.close();
            wire = null;
        }
    }

    /** Sends the request and a sentinel ApiVersions v0 behind it (unless the frame size lies), and reads what comes back. */
    private Judge.Observed exchange(Mutation m, Judge.Expected expected, int sentinel) throws IOException {
        if (wire == null) {
            wire = new Wire(broker.port());
        }
        byte[] frame = m.frame();
        if (m.lyingSize() == null) {
            byte[] s = Wire.framed(Wire.encode(ApiKeys.API_VERSIONS, (short) 0, sentinel, "sluice-fuzz-sentinel", new ApiVersionsRequestData()));
            frame = java.nio.ByteBuffer.allocate(frame.length + s.length).put(frame).put(s).array();
        }
        try {
            wire.write(frame);
        } catch (IOException e) {
            // The broker may close the connection while the bytes are still going out: that is its answer.
            return new Judge.Observed(new Wire.Read.Closed("write failed: " + e.getMessage()), null);
        }
        long deadlineNs = System.nanoTime() + settings.deadline().toNanos();
        Wire.Read first = wire.read(deadlineNs);
        Wire.Read second = null;
        if (first instanceof Wire.Read.Frame f && m.lyingSize() == null && expected.expect() != Judge.Expect.CLOSE
                && correlationIdOf(f) != sentinel) {
            second = wire.read(System.nanoTime() + settings.deadline().toNanos());
        }
        return new Judge.Observed(first, second);
    }

    private static int correlationIdOf(Wire.Read.Frame f) {
        return f.bytes().length >= 4 ? java.nio.ByteBuffer.wrap(f.bytes()).getInt(0) : -1;
    }
}
