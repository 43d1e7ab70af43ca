package io.sluice.systest.fuzz;

import java.time.Duration;

/**
 * How long and from where a fuzz run goes, from system properties (the {@code fuzz} Maven profile sets the long
 * run's):
 * <ul>
 *   <li>{@code fuzz.seed}: the run's seed, a number or {@code random} (default: a fixed seed, so the default suite
 *       sends the same requests every time);</li>
 *   <li>{@code fuzz.requests}: stop after this many requests (default {@value #DEFAULT_REQUESTS}, about a minute
 *       on a 2-core machine: a fixed count, so the default suite sends the same requests however loaded it is);</li>
 *   <li>{@code fuzz.seconds}: stop after this much fuzzing even if requests are left (default
 *       {@value #DEFAULT_SECONDS}, a guard for a very slow machine; 0: no time limit);</li>
 *   <li>{@code fuzz.replay}: {@code SEED:ITERATION} or {@code SEED:FIRST-LAST} re-sends those iterations only
 *       (to a fresh broker) and checks after the last;</li>
 *   <li>{@code fuzz.checkEvery}: requests between two invariant checks (default 500);</li>
 *   <li>{@code fuzz.deadlineSeconds}: how long one request may go unanswered (default 30).</li>
 * </ul>
 */
record FuzzSettings(long seed, long firstIteration, long lastIteration, Duration budget, int checkEvery, Duration deadline,
                    boolean replay) {
    static final long DEFAULT_SEED = 20_260_112L;
    static final long DEFAULT_REQUESTS = 5_000;
    static final long DEFAULT_SECONDS = 300;

    static FuzzSettings fromSystemProperties() {
        int checkEvery = Integer.getInteger("fuzz.checkEvery", 500);
        Duration deadline = Duration.ofSeconds(Long.getLong("fuzz.deadlineSeconds", 30));
        String replay = System.getProperty("fuzz.replay", "").trim();
        if (!replay.isEmpty()) {
            String[] parts = replay.split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("fuzz.replay must be SEED:ITERATION or SEED:FIRST-LAST, not " + replay);
            }
            String[] range = parts[1].split("-");
            long first = Long.parseLong(range[0]);
            long last = range.length > 1 ? Long.parseLong(range[1]) : first;
            return new FuzzSettings(Long.parseLong(parts[0]), first, last, Duration.ZERO, checkEvery, deadline, true);
        }
        String seedText = System.getProperty("fuzz.seed", "").trim();
        long seed = seedText.isEmpty() ? DEFAULT_SEED : seedText.equals("random") ? new java.security.SecureRandom().nextLong() : Long.parseLong(seedText);
        long requests = Long.getLong("fuzz.requests", DEFAULT_REQUESTS);
        long seconds = Long.getLong("fuzz.seconds", DEFAULT_SECONDS);
        return new FuzzSettings(seed, 1, requests > 0 ? requests : Long.MAX_VALUE, Duration.ofSeconds(seconds), checkEvery, deadline, false);
    }

    /** The randomness of one iteration, independent of every other: a seed and an iteration make the same request. */
    java.util.Random random(long iteration) {
        return new java.util.Random(mix(seed ^ mix(iteration + 0x9E3779B97F4A7C15L)));
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "seed " + seed + ", iterations " + firstIteration + ".." + (lastIteration == Long.MAX_VALUE ? "" : lastIteration)
                + (budget.isZero() ? "" : ", at most " + budget.toSeconds() + " s") + ", checks every " + checkEvery;
    }
}
