package io.sluice.brokerd;

import io.sluice.brokerd.common.SteppableClock;
import io.sluice.brokerd.log.DiskFaults;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The faults a broker can be told to suffer, for the fault matrix and integration tests: its segment files open
 * through a {@link DiskFaults} (full, failing, slow disk) and its wall clock is a {@link SteppableClock}. A broker
 * runs with one only when started with {@code -Dsluice.fault.injection=true} (then its metrics listener serves
 * {@code /faults}, see {@link #apply}) or by a test in-process; never otherwise.
 */
public final class FaultInjection {
    private final DiskFaults disk = new DiskFaults();
    private final SteppableClock clock = new SteppableClock();

    /** A fault injector when the system property {@value DiskFaults#SYSTEM_PROPERTY} is {@code true}, else null. */
    static FaultInjection fromSystemProperty() {
        return Boolean.getBoolean(DiskFaults.SYSTEM_PROPERTY) ? new FaultInjection() : null;
    }

    public DiskFaults disk() {
        return disk;
    }

    public SteppableClock clock() {
        return clock;
    }

    /**
     * One request to the {@code /faults} endpoint ({@code what}: the path after {@code /faults/}); returns the state
     * after it. Throws IllegalArgumentException (answered 400) for a bad request.
     * <pre>
     *   GET  /faults                                  the faults in force
     *   PUT  /faults/disk?state=ok                    no disk fault (a full disk has room again)
     *   PUT  /faults/disk?state=full                  every write fails with ENOSPC
     *   PUT  /faults/disk?state=fill&amp;bytes=N          writes may add N bytes, then fail with ENOSPC
     *   PUT  /faults/disk?state=error&amp;ops=write,fsync,read,truncate   those operations fail with EIO
     *   PUT  /faults/disk?state=slow&amp;ops=write,fsync&amp;delay.ms=200    those operations take 200 ms longer
     *   PUT  /faults/clock?step.ms=-600000            the wall clock jumps (here 10 minutes back)
     * </pre>
     */
    public String apply(String what, Map<String, String> params) {
        switch (what) {
            case "" -> {
                return describe();
            }
            case "disk" -> disk(params);
            case "clock" -> clock.step(longParam(params, "step.ms"));
            default -> throw new IllegalArgumentException("unknown fault '" + what + "': use /faults/disk or /faults/clock");
        }
        return describe();
    }

    private void disk(Map<String, String> params) {
        String state = params.getOrDefault("state", "");
        switch (state) {
            case "ok" -> disk.clear();
            case "full" -> disk.full();
            case "fill" -> disk.fillAfter(longParam(params, "bytes"));
            case "error" -> disk.fail(ops(params));
            case "slow" -> disk.slow(ops(params), longParam(params, "delay.ms"));
            default -> throw new IllegalArgumentException("state must be ok, full, fill, error or slow, not '" + state + "'");
        }
    }

    private static Set<DiskFaults.Op> ops(Map<String, String> params) {
        String list = params.getOrDefault("ops", "");
        Set<DiskFaults.Op> ops = EnumSet.noneOf(DiskFaults.Op.class);
        for (String op : list.split(",")) {
            if (!op.isBlank()) {
                try {
                    ops.add(DiskFaults.Op.valueOf(op.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("ops must list write, fsync, read or truncate, not '" + op + "'", e);
                }
            }
        }
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("ops must list at least one of write, fsync, read, truncate");
        }
        return ops;
    }

    private static long longParam(Map<String, String> params, String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("parameter " + name + " is missing");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, not '" + v + "'", e);
        }
    }

    /** The faults in force, one line. */
    public String describe() {
        return "disk: " + disk.describe() + "; clock offset: " + clock.offsetMs() + " ms";
    }
}
