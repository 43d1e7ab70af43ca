package io.sluice.brokerd.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with the openssl command line (fast, and what the README's steps use), once per
 * test JVM: a CA, certificates it signs (SAN 127.0.0.1 and localhost, EC P-256), an expired one, and a foreign CA
 * with its own certificate. Each certificate comes as a PKCS12 keystore (key, certificate and the CA chain) and as
 * PEM files ({@code NAME-key.pem} PKCS#8, {@code NAME-cert.pem}, {@code NAME.pem} key and chain) for librdkafka and
 * KIP-651 configs; the CA as {@code ca.pem} and a PKCS12 truststore. Password: {@link #PASSWORD}.
 */
final class TestCerts {
    static final String PASSWORD = "test-pass";
    private static TestCerts instance;

    final Path dir;
    /** The CA's certificate: {@code ca.pem}; as a PKCS12 truststore: {@code truststore.p12}. */
    final Path caPem;
    final Path truststore;

    private TestCerts(Path dir) throws Exception {
        this.dir = dir;
        ca("ca", "/CN=Sluice Test CA");
        this.caPem = dir.resolve("ca.pem");
        this.truststore = dir.resolve("truststore.p12");
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            ts.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (java.io.OutputStream out = Files.newOutputStream(truststore)) {
            ts.store(out, PASSWORD.toCharArray());
        }
        // A second, unrelated CA: what an attacker or a misconfigured node would have.
        ca("foreign-ca", "/CN=Foreign CA");
        sign("broker", "CN=localhost,OU=brokers,O=Sluice", "ca", false);
        sign("alice", "CN=alice,OU=eng,O=Sluice", "ca", false);
        sign("expired", "CN=expired,O=Sluice", "ca", true);
        sign("mallory", "CN=localhost,O=Elsewhere", "foreign-ca", false);
    }

    private void ca(String name, String subject) throws IOException, InterruptedException {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                dir.resolve(name + "-key.pem").toString(), "-out", dir.resolve(name + ".pem").toString(), "-days", "3650",
                "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** The shared set, made on first use. */
    static synchronized TestCerts get() throws Exception {
        if (instance == null) {
            Path dir = Files.createTempDirectory("sluice-certs");
            instance = new TestCerts(dir);
        }
        return instance;
    }

    /** A JDK TLS context that trusts the test CA (and presents no certificate). */
    javax.net.ssl.SSLContext trustingContext() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(truststore)) {
            ts.load(in, PASSWORD.toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** {@code NAME-key.pem} encrypted with {@code password} (PKCS#8, PBES2 with AES-256, openssl's default). */
    String encryptedKeyPem(String name, String password) throws Exception {
        Path out = dir.resolve(name + "-key.enc.pem");
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", keyPem(name).toString(), "-out", out.toString(),
                "-passout", "pass:" + password);
        return Files.readString(out);
    }

    Path keystore(String name) {
        return dir.resolve(name + ".p12");
    }

    Path keyPem(String name) {
        return dir.resolve(name + "-key.pem");
    }

    Path certPem(String name) {
        return dir.resolve(name + "-cert.pem");
    }

    /** Key and chain in one PEM file (KIP-651 ssl.keystore.location with type PEM). */
    Path pem(String name) {
        return dir.resolve(name + ".pem");
    }

    /**
     * Makes (or remakes, with a new key and serial) certificate {@code name} for {@code dname} (RFC 2253 order), signed
     * by {@code caName}, valid for a year or, {@code expired}, already past its end. Files are replaced by renames, as
     * an operator's tooling should: a reader never sees half a keystore.
     */
    synchronized void sign(String name, String dname, String caName, boolean expired) throws Exception {
        sign(name, dname, caName, expired, "IP:127.0.0.1,DNS:localhost");
    }

    /** As {@link #sign(String, String, String, boolean)} with the certificate's subject alternative names {@code san}. */
    synchronized void sign(String name, String dname, String caName, boolean expired, String san) throws Exception {
        List<String> rdns = new ArrayList<>(List.of(dname.split(",")));
        java.util.Collections.reverse(rdns);
        String subject = "/" + String.join("/", rdns);
        Path key = dir.resolve(name + "-key.new");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + "-cert.new");
        Path ext = dir.resolve("san.cnf");
        Files.writeString(ext, "subjectAltName=" + san + "\n");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                key.toString(), "-out", csr.toString(), "-subj", subject);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(caName + ".pem").toString(), "-CAkey",
                dir.resolve(caName + "-key.pem").toString(), "-set_serial", Long.toString(SERIALS.nextLong() & Long.MAX_VALUE),
                "-days", expired ? "-1" : "365", "-out", cert.toString(), "-extfile", ext.toString());
        Path p12 = dir.resolve(name + ".p12.new");
        openssl("pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(), "-certfile",
                dir.resolve(caName + ".pem").toString(), "-name", name, "-out", p12.toString(), "-passout", "pass:" + PASSWORD);
        Path chain = dir.resolve(name + "-chain.pem");
        Files.writeString(chain, Files.readString(cert) + Files.readString(dir.resolve(caName + ".pem")));
        Files.writeString(dir.resolve(name + ".pem.new"), Files.readString(key) + Files.readString(chain));
        move(key, keyPem(name));
        move(cert, certPem(name));
        move(dir.resolve(name + ".pem.new"), pem(name));
        move(p12, keystore(name));
    }

    private static final java.security.SecureRandom SERIALS = new java.security.SecureRandom();

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "openssl", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl did not finish: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed: " + cmd + "\n" + Files.readString(out));
        }
        Files.delete(out);
    }
}
