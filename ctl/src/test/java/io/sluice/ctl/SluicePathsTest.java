package io.sluice.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SluicePathsTest {
    @TempDir
    Path home;

    private SluicePaths with(Map<String, String> env) {
        return new SluicePaths(env::get);
    }

    @Test
    void tildeIsHomeFromTheEnvironment() {
        SluicePaths p = with(Map.of("HOME", home.toString()));
        assertThat(p.expand("~/certs/ca.jks")).isEqualTo(home + "/certs/ca.jks");
        assertThat(p.expand("~")).isEqualTo(home.toString());
        assertThat(p.expand("~bob/x")).isEqualTo("~bob/x");
        assertThat(p.expand("/etc/~/x")).isEqualTo("/etc/~/x");
        assertThat(with(Map.of()).expand("~/x")).as("without $HOME: user.home").isEqualTo(System.getProperty("user.home") + "/x");
    }

    @Test
    void profilesLiveUnderHomeUnlessAVariableSaysOtherwise() {
        String saved = System.clearProperty("sluice.config");
        try {
            assertThat(with(Map.of("HOME", home.toString())).profiles()).isEqualTo(home.resolve(".config/sluice/config.yaml"));
            assertThat(with(Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", "~/xdg")).profiles())
                    .isEqualTo(home.resolve("xdg/sluice/config.yaml"));
            assertThat(with(Map.of("HOME", home.toString(), "SLUICE_CONFIG", "~/sluice.yaml")).profiles())
                    .isEqualTo(home.resolve("sluice.yaml"));
        } finally {
            if (saved != null) {
                System.setProperty("sluice.config", saved);
            }
        }
    }

    @Test
    void rollbackFilesGoToTheStateDirectoryUnlessAVariableSaysOtherwise() {
        String saved = System.clearProperty("sluice.rollback.dir");
        try {
            assertThat(with(Map.of("HOME", home.toString())).rollbackDir()).isEqualTo(home.resolve(".local/state/sluice/rollback"));
            assertThat(with(Map.of("HOME", home.toString(), "XDG_STATE_HOME", "~/state")).rollbackDir())
                    .isEqualTo(home.resolve("state/sluice/rollback"));
            assertThat(with(Map.of("HOME", home.toString(), "SLUICE_ROLLBACK_DIR", "/srv/rollback")).rollbackDir())
                    .isEqualTo(Path.of("/srv/rollback"));
        } finally {
            if (saved != null) {
                System.setProperty("sluice.rollback.dir", saved);
            }
        }
    }

    @Test
    void pathPropertiesOfProfilesAndMinusXAreExpanded() {
        Map<String, String> out = with(Map.of("HOME", home.toString())).expandPathProperties(Map.of(
                "ssl.truststore.location", "~/ca.jks", "sasl.jaas.config", "~/not-a-path", "security.protocol", "SSL"));
        assertThat(out).containsEntry("ssl.truststore.location", home + "/ca.jks")
                .containsEntry("sasl.jaas.config", "~/not-a-path").containsEntry("security.protocol", "SSL");
    }
}
