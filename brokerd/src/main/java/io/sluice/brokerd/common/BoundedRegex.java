package io.sluice.brokerd.common;

import java.util.regex.Pattern;

/**
 * Matches a client's regular expression with a bounded cost. java.util.regex backtracks: a pattern such as
 * {@code (a+)+$} takes exponential time on a long enough input, and a request handler thread spent on it stalls every
 * other request queued behind it. The input is read through a CharSequence that counts its reads and gives up past a
 * budget, which bounds the work whatever the pattern.
 */
public final class BoundedRegex {
    /** Reads of the input allowed per match; a sane pattern needs a few per character. */
    public static final long DEFAULT_BUDGET = 1_000_000;

    private BoundedRegex() {
    }

    /** Thrown when a match would read its input more than the budget allows. */
    public static final class TooCostly extends RuntimeException {
        TooCostly(Pattern pattern, long budget) {
            super("the regular expression " + pattern.pattern() + " needs more than " + budget + " steps on one input", null, false, false);
        }
    }

    /** Whether the whole of {@code input} matches {@code pattern}; {@link TooCostly} past {@code budget} reads. */
    public static boolean matches(Pattern pattern, String input, long budget) {
        return pattern.matcher(new Counted(input, pattern, budget)).matches();
    }

    private static final class Counted implements CharSequence {
        private final String s;
        private final Pattern pattern;
        private final long budget;
        private long reads;

        Counted(String s, Pattern pattern, long budget) {
            this.s = s;
            this.pattern = pattern;
            this.budget = budget;
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public char charAt(int index) {
            if (++reads > budget) {
                throw new TooCostly(pattern, budget);
            }
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
