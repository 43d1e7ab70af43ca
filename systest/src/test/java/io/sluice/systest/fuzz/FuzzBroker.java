package io.sluice.systest.fuzz;

import io.sluice.systest.BrokerCluster;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The broker under test: one brokerd process on 127.0.0.1 (its own JVM, so a crash, an exit on OutOfMemoryError or
 * a dead thread is its own and shows), with limits small enough that the fuzzer reaches them and a JMX agent bound
 * to 127.0.0.1 through which the checker reads heap use after a full GC, direct buffers and threads. Its log is
 * read incrementally for lines no client input may cause.
 */
final class FuzzBroker implements AutoCloseable {
    static final int NODE_ID = 1;
    /** socket.request.max.bytes: larger frames are refused at their size field. */
    static final int MAX_FRAME_BYTES = 16 << 20;
    /** log.message.decompressed.max.bytes: bombs ({@link BatchLies#bomb}) inflate past it. */
    static final int DECOMPRESSED_MAX_BYTES = 16 << 20;
    /** offsets.topic.num.partitions. */
    static final int OFFSETS_PARTITIONS = 4;
    /** The broker's heap (-Xmx), the launcher's serial GC. */
    static final String MAX_HEAP = "256m";

    private final BrokerCluster cluster;
    private final int jmxPort;
    private JMXConnector jmx;
    private long logOffset;

    FuzzBroker(Path root) throws IOException {
        jmxPort = BrokerCluster.freePort();
        cluster = new BrokerCluster(root, 1, Map.ofEntries(
                Map.entry("socket.request.max.bytes", Integer.toString(MAX_FRAME_BYTES)),
                Map.entry("log.message.decompressed.max.bytes", Integer.toString(DECOMPRESSED_MAX_BYTES)),
                Map.entry("fetch.max.wait.ms", "500"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("group.max.session.timeout.ms", "10000"),
                Map.entry("offsets.topic.num.partitions", Integer.toString(OFFSETS_PARTITIONS)),
                Map.entry("offsets.retention.minutes", "1"),
                Map.entry("num.partitions", "1"),
                Map.entry("log.retention.check.interval.ms", "5000")),
                List.of("-Xmx" + MAX_HEAP, "-XX:MaxDirectMemorySize=256m",
                        "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                        "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                        "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false"));
    }

    void start() throws Exception {
        cluster.startAll();
    }

    int port() {
        return cluster.clientPort(NODE_ID);
    }

    String bootstrap() {
        return cluster.bootstrap();
    }

    Path dataDir() {
        return cluster.dataDir(NODE_ID);
    }

    Path logFile() {
        return cluster.logFile(NODE_ID);
    }

    boolean isRunning() {
        return cluster.isRunning(NODE_ID);
    }

    String logTail() {
        return cluster.tail(NODE_ID);
    }

    /** The broker's log lines written since the last call. */
    List<String> newLogLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(logFile().toFile(), "r")) {
            if (f.length() <= logOffset) {
                return lines;
            }
            f.seek(logOffset);
            byte[] bytes = new byte[(int) Math.min(f.length() - logOffset, 64 << 20)];
            f.readFully(bytes);
            int end = new String(bytes, StandardCharsets.ISO_8859_1).lastIndexOf('\n') + 1;
            logOffset += end;
            for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    /** Heap, direct memory and threads of the broker process, read over JMX. */
    record Vitals(long heapUsedAfterGcBytes, long heapMaxBytes, long directBytes, int threads, List<String> threadNames) {
    }

    /** Runs a full GC in the broker, then reads its heap in use, its direct buffers and its threads. */
    Vitals vitals() throws IOException {
        MBeanServerConnection c = jmx();
        MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        memory.gc();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(c, BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
        List<String> names = new ArrayList<>();
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null) {
                names.add(t.getThreadName());
            }
        }
        return new Vitals(memory.getHeapMemoryUsage().getUsed(), memory.getHeapMemoryUsage().getMax(), direct, names.size(), names);
    }

    private MBeanServerConnection jmx() throws IOException {
        if (jmx == null) {
            jmx = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
        }
        return jmx.getMBeanServerConnection();
    }

    @Override
    public void close() throws Exception {
        try {
            if (jmx != null) {
                jmx.close();
            }
        } finally {
            cluster.close();
        }
    }
}
