package io.sluice.ctl;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The read-eval loop of {@code sluice shell}: each line is split like a shell would (quotes group words; no backslash
 * escapes, so {@code --format '%v\n'} reaches the command as typed) and run as a sluice command on a fresh command tree
 * from {@code commands}, after the global options the shell was started with (a line's own options win). A failing
 * command prints its one line and the loop goes on. {@code exit [N]}, {@code quit} or end of input (Ctrl-D) end it
 * with N or the last command's exit code; Ctrl-C drops the line being typed. History persists in {@code historyFile}.
 * Not thread-safe: one thread runs {@link #run()}.
 */
final class Shell {
    private final LineReader reader;
    private final Supplier<CommandLine> commands;
    private final List<String> globalArgs;
    private final PrintWriter out;
    private final PrintWriter err;
    private final String prompt;
    private final ClusterNames names;

    Shell(Terminal terminal, Path historyFile, Supplier<CommandLine> commands, List<String> globalArgs, ClusterNames names,
          PrintWriter err, boolean showPrompt) {
        try {
            Files.createDirectories(historyFile.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("creating the directory of " + historyFile, e);
        }
        this.reader = LineReaderBuilder.builder().terminal(terminal).appName("sluice").parser(parser())
                .completer(new ShellCompleter(commands.get().getCommandSpec(), names))
                .variable(LineReader.HISTORY_FILE, historyFile)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        this.commands = commands;
        this.globalArgs = List.copyOf(globalArgs);
        this.out = terminal.writer();
        this.err = err;
        this.prompt = showPrompt ? "sluice> " : "";
        this.names = names;
    }

    /** Splits lines into words: quotes group words and are removed; backslashes are kept as typed. */
    static DefaultParser parser() {
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(new char[0]);
        return parser;
    }

    /** Runs until exit; returns the shell's exit code. */
    int run() {
        int last = ExitCodes.OK;
        try {
            while (true) {
                List<String> words;
                try {
                    reader.readLine(prompt);
                    words = new ArrayList<>(reader.getParsedLine().words());
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    return last;
                }
                words.removeIf(String::isEmpty);
                if (words.isEmpty() || words.get(0).startsWith("#")) {
                    continue;
                }
                String first = words.get(0);
                if (first.equals("exit") || first.equals("quit")) {
                    return words.size() > 1 ? exitCode(words.get(1), last) : last;
                }
                if (first.equals("help")) {
                    words.remove(0);
                    words.add("--help");
                }
                last = execute(words);
            }
        } finally {
            saveHistory();
        }
    }

    private int exitCode(String word, int last) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            err.println("sluice: exit " + word + ": expected a number; exiting with " + last);
            err.flush();
            return last;
        }
    }

    private int execute(List<String> words) {
        CommandLine cmd = commands.get();
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setOverwrittenOptionsAllowed(true);
        List<String> args = new ArrayList<>(globalArgs);
        args.addAll(words);
        int code = cmd.execute(args.toArray(String[]::new));
        out.flush();
        err.flush();
        names.invalidate();
        return code;
    }

    private void saveHistory() {
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            err.println("sluice: could not save the shell history: " + e.getMessage());
            err.flush();
        }
    }
}
