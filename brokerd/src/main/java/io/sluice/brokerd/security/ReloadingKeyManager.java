package io.sluice.brokerd.security;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * A key manager whose key and certificate can be replaced while TLS servers and clients hold it: every TLS
 * context brokerd builds (Netty listeners, the inter-broker client, the Raft transport, the HTTPS metrics endpoint)
 * gets one, so a rotated keystore reaches new handshakes without rebuilding them. A handshake picks an alias that
 * names the generation it came from ({@code <generation>:sluice}), so the chain and key it then asks for belong
 * together even if a reload happens in between. Thread-safe.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private record Generation(long id, X509ExtendedKeyManager delegate) {
    }

    private volatile Generation current;
    private volatile Generation previous;

    ReloadingKeyManager(X509ExtendedKeyManager initial) {
        this.current = new Generation(1, initial);
        this.previous = current;
    }

    void replace(X509ExtendedKeyManager next) {
        Generation old = current;
        previous = old;
        current = new Generation(old.id() + 1, next);
    }

    private String tag(Generation g, String alias) {
        return alias == null ? null : g.id() + ":" + alias;
    }

    private X509ExtendedKeyManager of(String taggedAlias) {
        Generation c = current;
        if (taggedAlias == null) {
            return c.delegate();
        }
        long id = Long.parseLong(taggedAlias.substring(0, taggedAlias.indexOf(':')));
        Generation p = previous;
        return id == p.id() ? p.delegate() : c.delegate();
    }

    private static String untag(String taggedAlias) {
        return taggedAlias == null ? null : taggedAlias.substring(taggedAlias.indexOf(':') + 1);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Generation g = current;
        return tag(g, g.delegate().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        Generation g = current;
        return tag(g, g.delegate().chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Generation g = current;
        return tag(g, g.delegate().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        Generation g = current;
        return tag(g, g.delegate().chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return tagAll(current, current.delegate().getClientAliases(keyType, issuers));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return tagAll(current, current.delegate().getServerAliases(keyType, issuers));
    }

    private String[] tagAll(Generation g, String[] aliases) {
        if (aliases == null) {
            return null;
        }
        String[] out = new String[aliases.length];
        for (int i = 0; i < aliases.length; i++) {
            out[i] = tag(g, aliases[i]);
        }
        return out;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return of(alias).getCertificateChain(untag(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return of(alias).getPrivateKey(untag(alias));
    }
}
