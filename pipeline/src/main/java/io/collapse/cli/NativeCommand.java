package io.collapse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The native side of the engine: DJL's JNI built against the machine's own libtorch. */
@Command(name = "native", description = "Build DJL's PyTorch JNI against your own libtorch.",
        subcommands = {NativeBuildCommand.class})
final class NativeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
