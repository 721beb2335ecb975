package io.collapse.nativelib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A folder shaped like a pip torch/ (empty headers and libraries): enough for every check before the compiler runs. */
final class FakeTorch {

    private FakeTorch() {}

    static Path pip(Path dir, String version, String cuda) throws IOException {
        for (String f : new String[] {"include/torch/script.h", "include/torch/csrc/api/include/torch/torch.h",
            "include/torch/csrc/api/include/torch/enum.h", "lib/libtorch.so", "lib/libtorch_cpu.so", "lib/libc10.so"}) {
            touch(dir.resolve(f));
        }
        Files.writeString(dir.resolve("version.py"), "__version__ = '" + version + "'\ndebug = False\ncuda: Optional[str] = "
                + (cuda == null ? "None" : "'" + cuda + "'") + "\n");
        return dir;
    }

    static void touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[0]);
    }
}
