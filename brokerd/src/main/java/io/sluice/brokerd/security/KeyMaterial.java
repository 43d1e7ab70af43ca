package io.sluice.brokerd.security;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads keystores and truststores as Kafka's {@code ssl.*} keys describe them: PKCS12 or JKS files, or PEM (KIP-651)
 * from a file or inline, and turns them into JDK key and trust managers. PEM private keys are PKCS#8, plain
 * ({@code BEGIN PRIVATE KEY}) or encrypted with {@code ssl.key.password} ({@code BEGIN ENCRYPTED PRIVATE KEY}); RSA,
 * EC and Ed25519 keys are read. A key entry is always exposed under one alias, {@link #ALIAS}, whatever the file
 * calls it. Stateless; every failure is an {@link IllegalArgumentException} saying which file or key is wrong.
 */
public final class KeyMaterial {
    static final String ALIAS = "sluice";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final char[] IN_MEMORY_PASSWORD = "in-memory".toCharArray();

    private KeyMaterial() {
    }

    /** The key manager of {@code c}'s keystore; IllegalArgumentException when it cannot be read. */
    public static X509ExtendedKeyManager keyManager(SslConfig c) {
        try {
            KeyStore ks = keyStore(c);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, IN_MEMORY_PASSWORD);
            return (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(keystoreName(c) + ": " + e.getMessage(), e);
        }
    }

    /** The trust manager of {@code c}'s truststore, or of the JDK's default CAs when none is configured. */
    public static X509ExtendedTrustManager trustManager(SslConfig c) {
        try {
            KeyStore ts = trustStore(c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalArgumentException("the JDK offers no X509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(truststoreName(c) + ": " + e.getMessage(), e);
        }
    }

    /** The certificate this keystore presents (the first of its chain). */
    public static X509Certificate certificate(SslConfig c) {
        try {
            return (X509Certificate) keyStore(c).getCertificate(ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(keystoreName(c) + ": " + e.getMessage(), e);
        }
    }

    /** The files whose change means the key material must be read again (none for inline PEM). */
    public static List<Path> files(SslConfig c) {
        List<Path> out = new ArrayList<>();
        if (c.keystoreLocation() != null) {
            out.add(c.keystoreLocation());
        }
        if (c.truststoreLocation() != null) {
            out.add(c.truststoreLocation());
        }
        return out;
    }

    /** An in-memory keystore with the one key entry (alias {@link #ALIAS}, password {@link #IN_MEMORY_PASSWORD}). */
    static KeyStore keyStore(SslConfig c) throws GeneralSecurityException {
        PrivateKey key;
        Certificate[] chain;
        if (c.pemKeystore()) {
            String pem = c.keystoreLocation() != null ? read(c.keystoreLocation(), "ssl.keystore.location", c)
                    : c.keystoreKey() + "\n" + c.keystoreCertificateChain();
            key = pemPrivateKey(pem, c.keyPassword(), keystoreName(c));
            chain = pemCertificates(pem, keystoreName(c)).toArray(new Certificate[0]);
            if (chain.length == 0) {
                throw new IllegalArgumentException(keystoreName(c) + " holds no CERTIFICATE block");
            }
        } else {
            KeyStore file = load(c.keystoreType(), c.keystoreLocation(), c.keystorePassword(), keystoreName(c));
            String alias = keyAlias(file, keystoreName(c));
            char[] keyPassword = (c.keyPassword().isEmpty() ? c.keystorePassword() : c.keyPassword()).toCharArray();
            Key k;
            try {
                k = file.getKey(alias, keyPassword);
            } catch (java.security.UnrecoverableKeyException e) {
                throw new IllegalArgumentException(keystoreName(c) + ": cannot read the private key '" + alias
                        + "': wrong " + c.key("ssl.key.password") + "?");
            }
            if (!(k instanceof PrivateKey pk)) {
                throw new IllegalArgumentException(keystoreName(c) + ": entry '" + alias + "' is not a private key");
            }
            key = pk;
            chain = file.getCertificateChain(alias);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ks.setKeyEntry(ALIAS, key, IN_MEMORY_PASSWORD, chain);
        return ks;
    }

    private static KeyStore trustStore(SslConfig c) throws GeneralSecurityException {
        if (c.pemTruststore()) {
            String pem = c.truststoreLocation() != null ? read(c.truststoreLocation(), "ssl.truststore.location", c)
                    : c.truststoreCertificates();
            List<X509Certificate> certs = pemCertificates(pem, truststoreName(c));
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(truststoreName(c) + " holds no CERTIFICATE block");
            }
            KeyStore ts = KeyStore.getInstance("PKCS12");
            try {
                ts.load(null, null);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            for (int i = 0; i < certs.size(); i++) {
                ts.setCertificateEntry("ca-" + i, certs.get(i));
            }
            return ts;
        }
        if (c.truststoreLocation() == null) {
            return null; // the JDK's default trusted CAs
        }
        return load(c.truststoreType(), c.truststoreLocation(), c.truststorePassword(), truststoreName(c));
    }

    private static KeyStore load(String type, Path file, String password, String what) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.isEmpty() ? null : password.toCharArray());
        } catch (IOException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof java.security.UnrecoverableKeyException || e.getMessage() != null
                    && e.getMessage().contains("password") ? "wrong password?" : e.toString();
            throw new IllegalArgumentException(what + ": cannot read " + file + " as " + type + " (" + why + ")");
        }
        return ks;
    }

    private static String keyAlias(KeyStore ks, String what) throws GeneralSecurityException {
        List<String> keys = new ArrayList<>();
        for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias)) {
                keys.add(alias);
            }
        }
        if (keys.size() != 1) {
            throw new IllegalArgumentException(what + " must hold exactly one private key entry, it holds " + keys.size()
                    + (keys.isEmpty() ? "" : " " + keys));
        }
        return keys.get(0);
    }

    private static String read(Path file, String key, SslConfig c) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("config key '" + c.key(key) + "': cannot read " + file + ": " + e);
        }
    }

    static PrivateKey pemPrivateKey(String pem, String password, String what) {
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY") || type.equals("ENCRYPTED PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                PKCS8EncodedKeySpec spec = type.equals("PRIVATE KEY") ? new PKCS8EncodedKeySpec(der)
                        : decrypt(der, password, what);
                return privateKey(spec, what);
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new IllegalArgumentException(what + ": a '" + type + "' block is not PKCS#8; convert it with "
                        + "'openssl pkcs8 -topk8' (KIP-651 PEM keys are PKCS#8)");
            }
        }
        throw new IllegalArgumentException(what + " holds no PRIVATE KEY block");
    }

    private static PKCS8EncodedKeySpec decrypt(byte[] der, String password, String what) {
        if (password.isEmpty()) {
            throw new IllegalArgumentException(what + ": the private key is encrypted and ssl.key.password is not set");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 keys (openssl's default) name the real algorithm only in their parameters.
            String alg = info.getAlgName().equals("PBES2") || info.getAlgName().equals("1.2.840.113549.1.5.13")
                    ? info.getAlgParameters().toString() : info.getAlgName();
            SecretKeyFactory f = SecretKeyFactory.getInstance(alg);
            Cipher cipher = Cipher.getInstance(alg);
            cipher.init(Cipher.DECRYPT_MODE, f.generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
            return info.getKeySpec(cipher);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(what + ": cannot decrypt the private key (wrong ssl.key.password?): " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(PKCS8EncodedKeySpec spec, String what) {
        for (String alg : List.of("RSA", "EC", "Ed25519", "DSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(what + ": the private key is neither RSA, EC, Ed25519 nor DSA");
    }

    static List<X509Certificate> pemCertificates(String pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": a CERTIFICATE block cannot be read: " + e.getMessage());
        }
        return out;
    }

    private static String keystoreName(SslConfig c) {
        return c.keystoreLocation() != null ? "keystore " + c.keystoreLocation() + " (config key '" + c.key("ssl.keystore.location")
                + "')" : "inline PEM keystore (config key '" + c.key("ssl.keystore.key") + "')";
    }

    private static String truststoreName(SslConfig c) {
        return c.truststoreLocation() != null ? "truststore " + c.truststoreLocation() + " (config key '" + c.key("ssl.truststore.location")
                + "')" : "inline PEM truststore (config key '" + c.key("ssl.truststore.certificates") + "')";
    }
}
