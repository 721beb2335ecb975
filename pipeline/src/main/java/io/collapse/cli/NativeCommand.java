package io.collapse.cli;

import picocli.CommandLine.Command;

/** The native side of the engine: DJL's JNI built against the machine's own libtorch. */
@Command(name = "native", description = "Build DJL's PyTorch JNI against your own libtorch.",
        subcommands = {NativeBuildCommand.class})
final class NativeCommand extends GroupCommand {}
