package io.sluice.ctl;

import io.sluice.ops.OpsException;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Where a password comes from, in this order: a file ({@code --password-file}, refused when its group or others may
 * read it, as ssh refuses a private key), a named environment variable ({@code --password-env NAME}),
 * {@code $SLUICE_PASSWORD}, and last a prompt without echo when sluice runs on a terminal (the JDK's console: stdin
 * and stdout both a terminal; otherwise the error says so and names the other sources). Never the command line:
 * argv shows in {@code ps} and in shell history. The file's first line is the password (a trailing newline is not part
 * of it). Stateless; {@code env} and {@code prompt} are passed in so tests give their own.
 */
final class Passwords {
    static final String ENV = "SLUICE_PASSWORD";
    /** Why no prompt was shown: the JDK's console needs both stdin and stdout on a terminal. */
    static final String NO_TERMINAL = "there is no terminal to ask on (sluice prompts only when both its input and its "
            + "output are a terminal: not with output piped or redirected, nor under cron, CI or ssh without -t)";

    private final SluicePaths paths;
    private final UnaryOperator<String> env;
    /** Asks for the password without echo, given the prompt text; null when there is no terminal. */
    private final Function<String, char[]> prompt;


    /** Passwords typed at sluice's own prompt, by purpose: asked once per process (sluice shell runs many commands). */
    private static final Map<String, char[]> TYPED = new ConcurrentHashMap<>();

    static Passwords system() {
        return new Passwords(SluicePaths.system(), System::getenv, text -> {
            Console console = System.console();
            return console == null ? null : console.readPassword("%s", text);
        }, TYPED);
    }

    private final Map<String, char[]> typed;

    Passwords(SluicePaths paths, UnaryOperator<String> env, Function<String, char[]> prompt) {
        this(paths, env, prompt, new ConcurrentHashMap<>());
    }

    private Passwords(SluicePaths paths, UnaryOperator<String> env, Function<String, char[]> prompt, Map<String, char[]> typed) {
        this.paths = paths;
        this.env = env;
        this.prompt = prompt;
        this.typed = typed;
    }

    /**
     * A new password (sluice user create|passwd) for {@code purpose}: from the file or the named variable, else typed
     * twice at a prompt on a terminal. Never $SLUICE_PASSWORD: that is the connection's own.
     */
    String readNew(String passwordFile, String passwordEnv, String purpose) {
        String given = given("--new-password", passwordFile, passwordEnv);
        if (given != null) {
            return given;
        }
        char[] first = prompt.apply("New password for " + purpose + ": ");
        if (first == null) {
            throw new OpsException(OpsException.Kind.USAGE, "the new password for " + purpose + ": " + NO_TERMINAL
                    + "; give --new-password-file FILE (chmod 600) or --new-password-env NAME");
        }
        char[] again = prompt.apply("Again: ");
        if (again == null || !java.util.Arrays.equals(first, again)) {
            throw new OpsException(OpsException.Kind.USAGE, "the two passwords typed differ; nothing changed");
        }
        if (first.length == 0) {
            throw new OpsException(OpsException.Kind.USAGE, "empty password for " + purpose);
        }
        return new String(first);
    }

    /** The password for {@code purpose} ("user alice"), from the first source set. */
    String read(String passwordFile, String passwordEnv, String purpose) {
        String given = given("--password", passwordFile, passwordEnv);
        if (given != null) {
            return given;
        }
        String v = env.apply(ENV);
        if (v != null && !v.isEmpty()) {
            return v;
        }
        char[] entered = typed.get(purpose);
        if (entered == null) {
            entered = prompt.apply("Password for " + purpose + ": ");
            if (entered != null && entered.length > 0) {
                typed.put(purpose, entered);
            }
        }
        if (entered == null) {
            throw new OpsException(OpsException.Kind.USAGE, purpose + " needs a password and " + NO_TERMINAL
                    + ": give --password-file FILE (chmod 600), --password-env NAME or $" + ENV);
        }
        if (entered.length == 0) {
            throw new OpsException(OpsException.Kind.USAGE, "empty password for " + purpose);
        }
        return new String(entered);
    }

    /** From {@code FLAG-file} or {@code FLAG-env} when one was given, else null. */
    private String given(String flag, String passwordFile, String passwordEnv) {
        if (passwordFile != null) {
            return fromFile(flag + "-file", passwordFile);
        }
        if (passwordEnv != null) {
            String v = env.apply(passwordEnv);
            if (v == null || v.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, flag + "-env " + passwordEnv + ": the variable is not set (or empty)");
            }
            return v;
        }
        return null;
    }

    /** The file's first line; refused when missing, unreadable, empty, or readable by group or others. */
    String fromFile(String flag, String file) {
        Path p = Path.of(paths.expand(file));
        if (!Files.exists(p)) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": no such file");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": others can read it; "
                        + "restrict it to its owner (chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): its ACLs are the owner's business; read it.
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": " + e.getMessage(), e);
        }
        if (!Files.isReadable(p)) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": cannot be read (permissions)");
        }
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        int nl = text.indexOf('\n');
        String line = nl < 0 ? text : text.substring(0, nl);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": the first line is empty");
        }
        return line;
    }
}
