package io.sluice.brokerd.common;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class RateLimitedLogTest {
    @Test
    void oneLinePerKeyAndIntervalSayingHowManyWereLeftOut() {
        Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        AtomicLong nowNs = new AtomicLong(TimeUnit.SECONDS.toNanos(100));
        RateLimitedLog log = new RateLimitedLog(logger, 30_000, nowNs::get);

        log.warn("a", "refused {}", 1);
        log.warn("a", "refused {}", 2);
        log.warn("a", "refused {}", 3);
        log.info("b", "paused {}", "x");
        nowNs.addAndGet(TimeUnit.SECONDS.toNanos(31));
        log.warn("a", "refused {}", 4);

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("refused 1", "paused x", "refused 4 (2 more since the last such line)");
    }
}
