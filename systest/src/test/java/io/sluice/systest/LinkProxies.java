package io.sluice.systest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The network between the brokers of a test cluster, made breakable: every broker listens on real ports that nobody
 * is told about, and everyone (the other brokers, their controllers, the test's clients) reaches it through two TCP
 * proxies in this JVM, one for its client port (produce, fetch, replication) and one for its controller port (Raft,
 * proposals, heartbeats). The brokers advertise the proxies' addresses and list them as controller voters.
 * <p>
 * Each proxied connection is attributed to the broker that opened it: the proxy looks its peer's socket up in
 * {@code /proc/net/tcp6} (and {@code tcp}) and finds which of the brokers' processes holds that socket in
 * {@code /proc/<pid>/fd}; connections of anything else (the test's own clients) are "clients" (node 0). So a rule can
 * hit one link, e.g. only broker 2's replication fetches to broker 1, one way or both:
 * <ul>
 *   <li>{@link Fault#CUT}: connections are reset and new ones refused (a firewall's REJECT);</li>
 *   <li>{@link Fault#DROP}: bytes stop flowing in that direction and are held, not lost (a firewall's DROP as TCP
 *       sees it: retransmissions until the link heals or the application gives up); new connections are accepted
 *       but carry nothing that way;</li>
 *   <li>{@link Fault#DELAY}: every chunk waits that long before it is passed on (order kept);</li>
 *   <li>{@link Fault#CUT_OPENED}: only the connections {@code from} opens to {@code to} are reset and refused, those
 *       {@code to} opens to {@code from} carry on both ways (a stateful firewall rejecting {@code from}'s new
 *       connections): e.g. a broker's own heartbeats and proposals fail while the quorum leader still replicates to
 *       it.</li>
 * </ul>
 * Linux only ({@code /proc}); Thread-safe. Used by the fault matrix; network namespaces would need privileges a CI
 * runner may not have.
 */
final class LinkProxies implements AutoCloseable {
    /** Which of a broker's two ports a link goes to. */
    enum Link { CLIENT, CONTROLLER }

    enum Fault { CUT, DROP, DELAY, CUT_OPENED }

    /** Node id of anything that is not a broker of the cluster (the test's clients). */
    static final int CLIENTS = 0;

    /** One rule: traffic from {@code from} to {@code to} over {@code link} suffers {@code fault}. */
    record Rule(int from, int to, Link link, Fault fault, long delayMs) {
    }

    private final Map<Integer, Proxy> clientProxies = new ConcurrentHashMap<>();
    private final Map<Integer, Proxy> controllerProxies = new ConcurrentHashMap<>();
    private final Map<Long, Integer> pidToNode = new ConcurrentHashMap<>();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Object ruleChange = new Object();
    private volatile boolean closed;

    /** Starts the two proxies of broker {@code id}, forwarding to its real ports; returns their ports (client, controller). */
    int[] add(int id, int realClientPort, int realControllerPort, int proxyClientPort, int proxyControllerPort) {
        clientProxies.put(id, new Proxy(id, Link.CLIENT, proxyClientPort, realClientPort));
        controllerProxies.put(id, new Proxy(id, Link.CONTROLLER, proxyControllerPort, realControllerPort));
        return new int[]{proxyClientPort, proxyControllerPort};
    }

    /** Broker {@code id} now runs as process {@code pid} (after each start): its proxies listen once its ports do. */
    void process(int id, long pid) {
        pidToNode.values().removeIf(n -> n == id);
        pidToNode.put(pid, id);
        clientProxies.get(id).listen();
        controllerProxies.get(id).listen();
    }

    /**
     * Broker {@code id}'s process is gone (kill -9, stopped): its proxies stop listening and its connections are
     * reset, so peers see what they would see without the proxies, a refused connection. (Accepting and closing at
     * once wedged Ratis 3.3.0's Netty transport, which the quorum used then: the leader's log appender to that voter
     * failed with "ILLEGAL TRANSITION CLOSED -> RUNNING" in a busy loop that never reconnected.)
     */
    void brokerDown(int id) {
        pidToNode.values().removeIf(n -> n == id);
        clientProxies.get(id).stopListening();
        controllerProxies.get(id).stopListening();
        for (Connection c : connections) {
            if (c.to == id) {
                c.reset();
            }
        }
    }

    // ---------------------------------------------------------------- rules

    /** Adds {@code rule}; cuts close the connections it matches at once. */
    void add(Rule rule) {
        rules.add(rule);
        if (rule.fault() == Fault.CUT || rule.fault() == Fault.CUT_OPENED) {
            for (Connection c : connections) {
                if (rule.fault() == Fault.CUT ? c.matches(rule) : c.openedAs(rule)) {
                    c.reset();
                }
            }
        }
        synchronized (ruleChange) {
            ruleChange.notifyAll();
        }
    }

    /** {@code fault} on {@code link} between {@code a} and {@code b}, both ways. */
    void bothWays(int a, int b, Link link, Fault fault, long delayMs) {
        add(new Rule(a, b, link, fault, delayMs));
        add(new Rule(b, a, link, fault, delayMs));
    }

    /** Cuts (or drops) every link of broker {@code id} to and from the other brokers, both kinds, both ways. */
    void isolate(int id, Fault fault, List<Integer> brokers) {
        for (int other : brokers) {
            if (other != id) {
                for (Link link : Link.values()) {
                    bothWays(id, other, link, fault, 0);
                }
            }
        }
    }

    /** Removes every rule: the network is whole again (held bytes flow on). */
    void heal() {
        rules.clear();
        synchronized (ruleChange) {
            ruleChange.notifyAll();
        }
    }

    private Rule ruleFor(int from, int to, Link link) {
        for (Rule r : rules) {
            if (r.from() == from && r.to() == to && r.link() == link) {
                return r;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- who opened a connection

    /**
     * The broker whose process holds the other end of {@code accepted} (a connection to {@code proxyPort}), or
     * {@link #CLIENTS}.
     */
    private int nodeOf(Socket accepted, int proxyPort) {
        String inode = socketInode(accepted.getPort(), proxyPort);
        if (inode == null) {
            return CLIENTS;
        }
        String target = "socket:[" + inode + "]";
        for (Map.Entry<Long, Integer> e : pidToNode.entrySet()) {
            Path fds = Path.of("/proc", Long.toString(e.getKey()), "fd");
            try (var list = Files.list(fds)) {
                for (Path fd : (Iterable<Path>) list::iterator) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().equals(target)) {
                            return e.getValue();
                        }
                    } catch (IOException gone) {
                        // the descriptor closed meanwhile
                    }
                }
            } catch (IOException processGone) {
                // the process exited meanwhile
            }
        }
        return CLIENTS;
    }

    /** The inode of the socket whose local port is {@code localPort} and remote port {@code remotePort}, or null. */
    private static String socketInode(int localPort, int remotePort) {
        for (String table : new String[]{"/proc/net/tcp6", "/proc/net/tcp"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[1].contains(":")) {
                        continue;
                    }
                    if (port(f[1]) == localPort && port(f[2]) == remotePort) {
                        return f[9];
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such table here
            }
        }
        return null;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.lastIndexOf(':') + 1), 16);
    }

    // ---------------------------------------------------------------- proxying

    /**
     * One listening proxy: accepts, attributes, connects to the real port and pumps both ways. It listens only while
     * its broker runs ({@link #brokerDown}, {@link #process}): a peer that connects to a dead broker must be refused
     * as the kernel refuses it, not accepted and closed at once (Ratis' Netty transport never recovers from the
     * latter: see {@link #brokerDown}).
     */
    private final class Proxy implements Runnable {
        final int node;
        final Link link;
        final int port;
        final int realPort;
        private ServerSocket server;
        /** The thread waiting for the real port before {@link #bind}; null when none waits. */
        private volatile Thread listening;

        Proxy(int node, Link link, int port, int realPort) {
            this.node = node;
            this.link = link;
            this.port = port;
            this.realPort = realPort;
        }

        /**
         * Starts listening once the broker's real port does (so a peer meets a refused connection while the broker
         * starts, as it would without the proxy), unless it already listens. Returns at once.
         */
        synchronized void listen() {
            if (server != null || listening != null) {
                return;
            }
            Thread t = new Thread(this::listenWhenUp, "link-proxy-listen-" + node + "-" + link);
            t.setDaemon(true);
            listening = t;
            t.start();
        }

        private void listenWhenUp() {
            while (!closed && listening == Thread.currentThread()) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), realPort), 1_000);
                    break;
                } catch (IOException notYet) {
                    sleepFor(20);
                }
            }
            synchronized (this) {
                if (closed || listening != Thread.currentThread()) {
                    return;
                }
                listening = null;
                try {
                    bind();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("proxy port " + port + " of broker " + node + " could not be bound", e);
                }
            }
        }

        private void bind() throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            server = s;
            Thread t = new Thread(this, "link-proxy-" + node + "-" + link);
            t.setDaemon(true);
            t.start();
        }

        /** Stops listening: connections to the port are refused until {@link #listen}. */
        synchronized void stopListening() {
            listening = null;
            if (server != null) {
                try {
                    server.close();
                } catch (IOException e) {
                    // closing anyway
                }
                server = null;
            }
        }

        @Override
        public void run() {
            ServerSocket s;
            synchronized (this) {
                s = server;
            }
            while (!closed && s != null && !s.isClosed()) {
                Socket in;
                try {
                    in = s.accept();
                } catch (IOException e) {
                    return; // closed
                }
                Thread t = new Thread(() -> open(in), "link-proxy-open-" + node);
                t.setDaemon(true);
                t.start();
            }
        }

        private void open(Socket in) {
            int from = nodeOf(in, port);
            Rule r = ruleFor(from, node, link);
            if (r != null && (r.fault() == Fault.CUT || r.fault() == Fault.CUT_OPENED)) {
                resetQuietly(in);
                return;
            }
            Socket out = new Socket();
            try {
                out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), realPort), 10_000);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
            } catch (IOException e) {
                resetQuietly(in);
                resetQuietly(out);
                return;
            }
            Connection c = new Connection(from, node, link, in, out);
            connections.add(c);
            c.start();
        }
    }

    /** A proxied connection: {@code from} opened it to {@code to}'s {@code link} port. */
    private final class Connection {
        final int from;
        final int to;
        final Link link;
        final Socket client;
        final Socket upstream;
        private volatile boolean done;

        Connection(int from, int to, Link link, Socket client, Socket upstream) {
            this.from = from;
            this.to = to;
            this.link = link;
            this.client = client;
            this.upstream = upstream;
        }

        boolean matches(Rule r) {
            return r.link() == link && ((r.from() == from && r.to() == to) || (r.from() == to && r.to() == from));
        }

        /** {@code r} names this connection's opener and destination (not merely its two ends). */
        boolean openedAs(Rule r) {
            return r.link() == link && r.from() == from && r.to() == to;
        }

        void start() {
            pump(client, upstream, from, to, "up");
            pump(upstream, client, to, from, "down");
        }

        /** Copies {@code src} to {@code dst}: bytes travel from node {@code sender} to node {@code receiver}. */
        private void pump(Socket src, Socket dst, int sender, int receiver, String dir) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream is = src.getInputStream(); OutputStream os = dst.getOutputStream()) {
                    int n;
                    while ((n = is.read(buf)) >= 0) {
                        if (!admit(sender, receiver)) {
                            break;
                        }
                        os.write(buf, 0, n);
                        os.flush();
                    }
                } catch (IOException e) {
                    // one side closed or was reset: so is the other
                } finally {
                    close();
                }
            }, "link-proxy-" + link + "-" + from + "-" + to + "-" + dir);
            t.setDaemon(true);
            t.start();
        }

        /**
         * Applies the rule for bytes from {@code sender} to {@code receiver}: waits while dropped, delays; false when
         * the link is cut (or the connection ended meanwhile).
         */
        private boolean admit(int sender, int receiver) {
            while (!done && !closed) {
                Rule r = ruleFor(sender, receiver, link);
                if (r == null) {
                    return true;
                }
                switch (r.fault()) {
                    case CUT -> {
                        return false;
                    }
                    case CUT_OPENED -> {
                        return !openedAs(r);
                    }
                    case DELAY -> {
                        sleepFor(r.delayMs());
                        return true;
                    }
                    case DROP -> waitForRuleChange();
                }
            }
            return false;
        }

        void reset() {
            resetQuietly(client);
            resetQuietly(upstream);
            close();
        }

        void close() {
            done = true;
            connections.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Waits (bounded) for a rule change: the fault's duration is the test's, this only re-checks. */
    private void waitForRuleChange() {
        synchronized (ruleChange) {
            try {
                ruleChange.wait(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleepFor(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        for (long left = ms * 1_000_000L; left > 0; left = deadline - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }

    private static void resetQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
    }

    /** Connections open now (a report's detail). */
    int openConnections() {
        return connections.size();
    }

    /** The rules in force, for the report. */
    List<Rule> rules() {
        return new ArrayList<>(rules);
    }

    @Override
    public void close() {
        closed = true;
        heal();
        for (Proxy p : clientProxies.values()) {
            p.stopListening();
        }
        for (Proxy p : controllerProxies.values()) {
            p.stopListening();
        }
        for (Connection c : connections) {
            c.close();
        }
    }
}
