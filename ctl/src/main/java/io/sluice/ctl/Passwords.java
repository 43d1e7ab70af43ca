package io.sluice.ctl;

import io.sluice.ops.OpsException;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Where a password comes from, in this order: a file ({@code --password-file}, refused when its group or others may
 * read it, as ssh refuses a private key), a named environment variable ({@code --password-env NAME}),
 * {@code $SLUICE_PASSWORD}, and last a prompt without echo when sluice runs on a terminal. Never the command line:
 * argv shows in {@code ps} and in shell history. The file's first line is the password (a trailing newline is not part
 * of it). Stateless; {@code env} and {@code prompt} are passed in so tests give their own.
 */
final class Passwords {
    static final String ENV = "SLUICE_PASSWORD";

    private final SluicePaths paths;
    private final UnaryOperator<String> env;
    /** Asks for the password without echo, given the prompt text; null when there is no terminal. */
    private final Function<String, char[]> prompt;

    Passwords(SluicePaths paths, UnaryOperator<String> env, Function<String, char[]> prompt) {
        this.paths = paths;
        this.env = env;
        this.prompt = prompt;
    }

    /** Passwords typed at the prompt, by prompt text: asked once per process (sluice shell runs many commands). */
    private static final java.util.Map<String, char[]> TYPED = new java.util.concurrent.ConcurrentHashMap<>();

    static Passwords system() {
        return new Passwords(SluicePaths.system(), System::getenv, text -> {
            Console console = System.console();
            return console == null ? null : TYPED.computeIfAbsent(text, t -> console.readPassword("%s", t));
        });
    }

    /** The password for {@code purpose} ("user alice"), from the first source set. */
    String read(String passwordFile, String passwordEnv, String purpose) {
        if (passwordFile != null) {
            return fromFile(passwordFile);
        }
        if (passwordEnv != null) {
            String v = env.apply(passwordEnv);
            if (v == null || v.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, "--password-env " + passwordEnv + ": the variable is not set (or empty)");
            }
            return v;
        }
        String v = env.apply(ENV);
        if (v != null && !v.isEmpty()) {
            return v;
        }
        char[] typed = prompt.apply("Password for " + purpose + ": ");
        if (typed == null) {
            throw new OpsException(OpsException.Kind.USAGE, purpose + " needs a password: give --password-file FILE (chmod 600), "
                    + "--password-env NAME or $" + ENV + ", or run sluice on a terminal to be asked for it");
        }
        if (typed.length == 0) {
            throw new OpsException(OpsException.Kind.USAGE, "empty password for " + purpose);
        }
        return new String(typed);
    }

    /** The file's first line; refused when missing, unreadable, empty, or readable by group or others. */
    String fromFile(String file) {
        Path p = Path.of(paths.expand(file));
        if (!Files.exists(p)) {
            throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": no such file");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": others can read it; "
                        + "restrict it to its owner (chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): its ACLs are the owner's business; read it.
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": " + e.getMessage(), e);
        }
        if (!Files.isReadable(p)) {
            throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": cannot be read (permissions)");
        }
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        int nl = text.indexOf('\n');
        String line = nl < 0 ? text : text.substring(0, nl);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, "--password-file " + file + ": the first line is empty");
        }
        return line;
    }
}
