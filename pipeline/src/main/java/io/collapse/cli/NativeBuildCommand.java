package io.collapse.cli;

import io.collapse.nativelib.JniBuild;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code collapse native build --torch DIR}: compiles, installs, prints the line to export. */
@Command(name = "build",
        description = {
            "Compile DJL 0.36's PyTorch JNI (libdjl_torch.so) from DJL's v0.36.0 sources against the libtorch in DIR"
                    + " with the machine's C++ compiler, install it where DJL finds it, and print the variables to export.",
            "DIR is a pip PyTorch's torch/ folder (python3 -c 'import torch,os; print(os.path.dirname(torch.__file__))')"
                    + " or an unpacked libtorch. Needed because DJL's prebuilt JNI only works with libtorch 2.7.1."
        })
final class NativeBuildCommand implements Callable<Integer> {

    @Option(names = "--torch", required = true, paramLabel = "DIR", description = "The libtorch to build against.")
    Path torch;

    @Mixin JniSourceOption jni;

    @Option(names = "--cxx", paramLabel = "COMPILER", defaultValue = "${env:CXX:-g++}",
            description = "C++ compiler, a name on PATH or a path (default: $CXX, else g++).")
    String cxx;

    @Option(names = "--jobs", paramLabel = "N", description = "Compiler processes at once (default: the cores).")
    Integer jobs;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Install under DIR/pytorch/... and export ENGINE_CACHE_DIR=DIR (default: DJL's engine cache,"
                    + " $ENGINE_CACHE_DIR, else $DJL_CACHE_DIR, else ~/.djl.ai).")
    Path cacheDir;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        PrintWriter out = stdout.out();
        JniBuild.Result r = JniBuild.run(new JniBuild.Options(torch, jni.root(), cxx, n, cacheDir), out);
        out.printf("built in %d s: %s%n", r.took().toSeconds(), r.jni());
        out.println("to use it (then ./collapse info shows pytorch_version " + r.torch().baseVersion() + " and jni_origin):");
        out.println(r.exports());
        out.flush();
        return 0;
    }
}
