package io.sluice.ctl;

import io.sluice.ops.OpsException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;

/**
 * Rollback files: before a command applies a change with {@code --execute} it writes what the change replaces (offsets,
 * replica assignment, config values) to a new file in {@link SluicePaths#rollbackDir()}, named
 * {@code 20240501T120000.123Z-group-seek-analytics.csv}, in the format that command's {@code --from-file} reads. If
 * the change is refused before anything was applied, the file is removed again. Files are written whole (temp file and
 * rename) and never overwritten. Stateless.
 */
final class Rollbacks {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Rollbacks() {
    }

    /** Writes {@code content} as the rollback of {@code command} (e.g. "group seek") on {@code target}; returns the file. */
    static Path write(String command, String target, String extension, String content) {
        Path dir = SluicePaths.system().rollbackDir();
        String name = STAMP.format(Instant.now()) + "-" + safe(command) + "-" + safe(target);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + "." + extension);
            for (int n = 2; Files.exists(file); n++) {
                file = dir.resolve(name + "-" + n + "." + extension);
            }
            Path tmp = Files.createTempFile(dir, ".rollback", ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.ERROR, "cannot write the rollback file in " + dir + ": " + e.getMessage()
                    + " (nothing was changed; set SLUICE_ROLLBACK_DIR to a writable directory)", e);
        }
    }

    /**
     * Runs {@code apply} after the rollback file was written; when it fails before changing anything (it throws),
     * the file goes again, since it would describe a change that never happened.
     */
    static <T> T applying(Path rollbackFile, Supplier<T> apply) {
        try {
            return apply.get();
        } catch (RuntimeException e) {
            try {
                Files.deleteIfExists(rollbackFile);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Reads a --from-file argument; NOT_FOUND naming it when it cannot be read. */
    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String safe(String s) {
        String out = s.replaceAll("[^A-Za-z0-9._-]+", "-");
        return out.length() > 60 ? out.substring(0, 60) : out;
    }
}
