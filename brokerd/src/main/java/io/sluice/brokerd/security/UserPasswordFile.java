package io.sluice.brokerd.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A file of {@code NAME:PASSWORD} lines (blank lines and {@code #} comments skipped; the password is everything after
 * the first colon), as {@code metrics.basic.auth.file} and {@code sasl.bootstrap.users.file} take it. The passwords
 * are in the clear, so the file is refused unless only its owner may read or write it (as ssh refuses a key file).
 */
public final class UserPasswordFile {
    private UserPasswordFile() {
    }

    /**
     * User name to password, in file order. IllegalArgumentException says what is wrong with the file (naming it
     * and, for permissions, its mode), never a password.
     */
    public static Map<String, String> read(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
                    throw new IllegalArgumentException(file + " may be read or written by others ("
                            + PosixFilePermissions.toString(perms) + "); make it readable by its owner only: chmod 600 " + file);
                }
            }
            Map<String, String> users = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || colon == line.length() - 1) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + " is not USER:PASSWORD");
                }
                if (users.put(line.substring(0, colon), line.substring(colon + 1)) != null) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + " repeats user " + line.substring(0, colon));
                }
            }
            if (users.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no USER:PASSWORD line");
            }
            return users;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist");
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException(file + ": cannot check its permissions on this file system");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
