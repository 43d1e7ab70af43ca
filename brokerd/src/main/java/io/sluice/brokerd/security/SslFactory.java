package io.sluice.brokerd.security;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The TLS side of one {@link SslConfig}: reads the key material once at start-up (a bad keystore stops brokerd with
 * the file named), hands out Netty contexts for servers and clients and a JDK {@code SSLContext} (HTTPS metrics),
 * and reloads the key material when its files change ({@link #maybeReload}, called periodically): new handshakes
 * use the new certificate and trusted CAs, established connections keep theirs. A file that cannot be read at a
 * reload (half written) keeps the old material and is tried again at the next check.
 * <p>
 * TLS runs on the JDK provider; no OpenSSL (netty-tcnative) is bundled. Only TLSv1.3 and TLSv1.2 are enabled.
 * Thread-safe.
 */
public final class SslFactory {
    private static final Logger log = LoggerFactory.getLogger(SslFactory.class);

    private final SslConfig config;
    private final ReloadingKeyManager keyManager;
    private final ReloadingTrustManager trustManager;
    private final Map<Path, byte[]> fileDigests = new HashMap<>();
    private volatile SslContext serverContext;
    private volatile SslContext clientContext;

    private SslFactory(SslConfig config) {
        this.config = config;
        for (Path p : KeyMaterial.files(config)) {
            fileDigests.put(p, digest(p));
        }
        this.keyManager = config.hasKeystore() ? new ReloadingKeyManager(KeyMaterial.keyManager(config)) : null;
        this.trustManager = new ReloadingTrustManager(KeyMaterial.trustManager(config));
    }

    /**
     * Reads the key material of {@code config}; {@code server} when it serves TLS (a keystore is then required).
     * IllegalArgumentException names the key or file that is wrong.
     */
    public static SslFactory create(SslConfig config, boolean server) {
        config.validate(server);
        checkCipherSuites(config);
        SslFactory f = new SslFactory(config);
        if (server) {
            f.serverContext(); // builds it now, so a bad combination fails at start-up
        } else {
            f.clientContext();
        }
        return f;
    }

    public SslConfig config() {
        return config;
    }

    private static void checkCipherSuites(SslConfig c) {
        if (c.cipherSuites().isEmpty()) {
            return;
        }
        try {
            Set<String> supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
            for (String suite : c.cipherSuites()) {
                if (!supported.contains(suite)) {
                    throw new IllegalArgumentException("config key '" + c.key("ssl.cipher.suites") + "': " + suite
                            + " is not a cipher suite this JDK supports");
                }
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default SSLContext", e);
        }
    }

    /** The context of a TLS server (a listener): this keystore, {@code ssl.client.auth} against this truststore. */
    public SslContext serverContext() {
        SslContext c = serverContext;
        if (c == null) {
            synchronized (this) {
                if (serverContext == null) {
                    serverContext = buildServer();
                }
                c = serverContext;
            }
        }
        return c;
    }

    private SslContext buildServer() {
        SslContextBuilder b = SslContextBuilder.forServer(keyManager).sslProvider(SslProvider.JDK)
                .protocols(config.enabledProtocols()).trustManager(trustManager)
                .clientAuth(switch (config.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUESTED -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        if (!config.cipherSuites().isEmpty()) {
            b.ciphers(config.cipherSuites());
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build the TLS server context of config keys " + config.keys() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The context of a TLS client (the inter-broker client): this truststore, this keystore as the client
     * certificate when there is one (mutual TLS), hostname verification per {@code ssl.endpoint.identification.algorithm}.
     * Handlers must be made with the peer's host ({@code newHandler(alloc, host, port)}) for the verification to apply.
     */
    public SslContext clientContext() {
        SslContext c = clientContext;
        if (c == null) {
            synchronized (this) {
                if (clientContext == null) {
                    clientContext = buildClient();
                }
                c = clientContext;
            }
        }
        return c;
    }

    private SslContext buildClient() {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .protocols(config.enabledProtocols()).trustManager(trustManager)
                .endpointIdentificationAlgorithm(config.hostnameVerification() ? "HTTPS" : null);
        if (keyManager != null) {
            b.keyManager(keyManager);
        }
        if (!config.cipherSuites().isEmpty()) {
            b.ciphers(config.cipherSuites());
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build the TLS client context of config keys " + config.keys() + ": "
                    + e.getMessage(), e);
        }
    }

    /** A JDK context over the same (reloading) key and trust managers, for servers that take one (HTTPS). */
    public SSLContext jdkContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManager == null ? null : new KeyManager[]{keyManager}, new TrustManager[]{trustManager}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a JDK TLS context", e);
        }
    }

    /** The reloading key manager (null without a keystore), for TLS stacks brokerd does not build itself (Ratis). */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** The reloading trust manager, for TLS stacks brokerd does not build itself (Ratis). */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /**
     * The principal of a completed TLS session: the peer certificate's subject mapped by
     * {@code ssl.principal.mapping.rules}, or ANONYMOUS when the peer sent no certificate. Empty when a certificate
     * was sent but no rule maps its subject (the connection must then be refused).
     */
    public Optional<Principal> principal(SSLSession session) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.of(Principal.ANONYMOUS);
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate cert)) {
            return Optional.of(Principal.ANONYMOUS);
        }
        return config.principalMapper().map(cert.getSubjectX500Principal().getName()).map(Principal::user);
    }

    /**
     * Reads the keystore and truststore again when one of their files changed since the last look (content, not
     * mtime: a rotation within the same second is seen). Returns true when new material is in use.
     */
    public synchronized boolean maybeReload() {
        Map<Path, byte[]> now = new HashMap<>();
        boolean changed = false;
        for (Path p : KeyMaterial.files(config)) {
            byte[] d = digest(p);
            now.put(p, d);
            changed |= !Arrays.equals(d, fileDigests.get(p));
        }
        if (!changed) {
            return false;
        }
        try {
            X509ExtendedKeyManager km = keyManager == null ? null : KeyMaterial.keyManager(config);
            X509ExtendedTrustManager tm = KeyMaterial.trustManager(config);
            if (km != null) {
                keyManager.replace(km);
            }
            trustManager.replace(tm);
        } catch (IllegalArgumentException e) {
            log.warn("TLS key material of config keys {} changed but cannot be read ({}); keeping the old one "
                    + "and trying again at the next check", config.keys(), e.getMessage());
            return false;
        }
        fileDigests.putAll(now);
        log.info("Reloaded the TLS key material of config keys {} from {}{}", config.keys(), KeyMaterial.files(config),
                keyManager == null ? "" : "; certificate now " + describe(KeyMaterial.certificate(config)));
        return true;
    }

    static String describe(X509Certificate c) {
        return c.getSubjectX500Principal().getName() + " (serial " + c.getSerialNumber().toString(16) + ", valid until "
                + c.getNotAfter().toInstant() + ")";
    }

    private static byte[] digest(Path p) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        } catch (IOException e) {
            return new byte[0]; // unreadable now (being replaced): differs from any content, so it is looked at again
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificate this factory presents, described for the start-up log; empty without a keystore. */
    public Optional<String> certificateDescription() {
        return keyManager == null ? Optional.empty() : Optional.of(describe(KeyMaterial.certificate(config)));
    }
}
