package io.sluice.ctl;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code sluice completion bash|zsh}: prints a completion script (bash; zsh loads it through bashcompinit). */
@Command(name = "completion", description = {"Print a shell completion script.",
        "bash: source <(sluice completion bash)   zsh: autoload -U +X bashcompinit && bashcompinit; source <(sluice completion zsh)"})
final class CompletionCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    String shell;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "SHELL must be bash or zsh, not " + shell);
        }
        spec.commandLine().getOut().print(AutoComplete.bash("sluice", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
