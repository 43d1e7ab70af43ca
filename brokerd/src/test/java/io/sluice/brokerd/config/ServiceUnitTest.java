package io.sluice.brokerd.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** config/brokerd.service passes systemd-analyze verify (with its binary and man pages where the unit expects them). */
@Timeout(60)
class ServiceUnitTest {
    private static final Path REPO = Path.of("..");

    @Test
    void theShippedUnitVerifies(@TempDir Path tmp) throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/systemd-analyze")) && Files.isExecutable(Path.of("/usr/bin/man"));
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as("systemd-analyze and man must be installed in CI (.ci/run installs them)").isTrue();
        }
        assumeTrue(present, "systemd-analyze or man is not installed");
        Path bin = tmp.resolve("brokerd");
        Files.writeString(bin, "#!/bin/sh\n");
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        String unit = Files.readString(REPO.resolve("config/brokerd.service")).replace("/usr/local/bin/brokerd", bin.toString());
        assertThat(unit).contains("ExecStart=" + bin + " --config /etc/sluice/brokerd.yaml");
        Path unitFile = tmp.resolve("brokerd.service");
        Files.writeString(unitFile, unit);
        Files.createDirectories(tmp.resolve("man/man8"));
        Files.createDirectories(tmp.resolve("man/man5"));
        Files.copy(REPO.resolve("man/brokerd.8"), tmp.resolve("man/man8/brokerd.8"));
        Files.copy(REPO.resolve("man/brokerd.yaml.5"), tmp.resolve("man/man5/brokerd.yaml.5"));
        ProcessBuilder pb = new ProcessBuilder("systemd-analyze", "verify", unitFile.toString()).redirectErrorStream(true);
        pb.environment().put("MANPATH", tmp.resolve("man").toString());
        Process p = pb.start();
        assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("no warnings").isBlank();
    }
}
