package io.sluice.ctl;

import io.sluice.ops.LagSampler;
import picocli.CommandLine.Option;

/**
 * {@code --window} and {@code --samples}: how long the group commands and doctor watch the groups' offsets to judge
 * their lag status, and how many looks they take (see {@link LagSampler} for why they sample instead of keeping
 * history).
 */
final class LagWindowOptions {
    @Option(names = "--window", paramLabel = "DURATION",
            description = "Watch the committed offsets this long to judge the lag status: 500ms, 10s, 2m, 1h; "
                    + "0 looks once, judging only caught-up and lost-to-retention (default: 10s; make it longer than the "
                    + "group's commit interval)")
    String window = "10s";

    @Option(names = "--samples", paramLabel = "N", description = "Looks spread evenly over the window, 2 to 100 (default: 5)")
    int samples = LagSampler.Plan.DEFAULT.samples();

    LagSampler.Plan plan() {
        return new LagSampler.Plan(LagSampler.Plan.parseDurationMs(window), samples);
    }
}
