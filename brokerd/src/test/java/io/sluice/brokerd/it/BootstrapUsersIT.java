package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.ConfigException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sasl.bootstrap.users.file: refused unless owner-only, applied once to an empty credential store, never again. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BootstrapUsersIT {
    @TempDir
    Path tmp;

    private Map<String, String> config(Path users) {
        Map<String, String> c = new HashMap<>();
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        c.put("sasl.bootstrap.users.file", users.toString());
        return c;
    }

    private Path usersFile(String name, String content, String mode) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    private static Admin scram(Broker b, String user, String password) {
        Map<String, Object> p = new HashMap<>(SaslIT.saslSettings("SASL_PLAINTEXT", "SCRAM-SHA-512", user, password, null));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers("SASL_PLAINTEXT"));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        return Admin.create(p);
    }

    @Test
    void aFileOthersMayReadIsRefusedWithItsNameAndMode() throws Exception {
        Path users = usersFile("users", "admin:admin-secret\n", "rw-r--r--");
        assertThatThrownBy(() -> ItSupport.startBroker(tmp.resolve("data"), config(users)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sasl.bootstrap.users.file").hasMessageContaining(users.toString())
                .hasMessageContaining("rw-r--r--").hasMessageContaining("chmod 600")
                .hasMessageNotContaining("admin-secret");
    }

    @Test
    void appliedOnceWhileTheStoreIsEmpty() throws Exception {
        Path users = usersFile("users", "# first users\nadmin:admin:secret\nops:ops-pw\n", "rw-------");
        Path data = tmp.resolve("data");
        Broker broker = ItSupport.startBroker(data, config(users));
        try (Admin admin = scram(broker, "admin", "admin:secret")) {
            Map<String, UserScramCredentialsDescription> all = admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS);
            assertThat(all).containsOnlyKeys("admin", "ops");
            assertThat(all.get("ops").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192));
        } finally {
            broker.close();
        }
        // A changed file is not applied again: the store has users.
        Files.writeString(users, "admin:changed\n");
        broker = ItSupport.startBroker(data, config(users));
        try (Admin admin = scram(broker, "admin", "admin:secret")) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
        try (Admin admin = scram(broker, "admin", "changed")) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(SaslAuthenticationException.class);
        } finally {
            broker.close();
        }
    }
}
