package io.collapse.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A libtorch on disk, as {@link #inspect} found it: a pip PyTorch's {@code torch/} folder
 * ({@code version.py}) or an unpacked libtorch ({@code build-version}); both hold
 * {@code include/} and {@code lib/}.
 *
 * @param root the folder given
 * @param version the full version, {@code 2.13.0+cpu}
 * @param cudaVersion the CUDA it was built for ({@code 13.0}), empty for a CPU build
 * @param cuda whether {@code lib/} holds the CUDA libraries
 * @param cxx11Abi the {@code _GLIBCXX_USE_CXX11_ABI} it was compiled with; ours must match or
 *     every {@code std::string} in the API fails to link
 */
public record Libtorch(Path root, String version, Optional<String> cudaVersion, boolean cuda, boolean cxx11Abi) {

    /** DJL 0.36's JNI sources need libtorch 2.0 or newer (upstream's build.sh covers 2.0.1 and up). */
    static final int[] MIN_VERSION = {2, 0};

    /** What the JNI sources include; torch.h lives under the C++ API's own include root. */
    private static final List<String> HEADERS = List.of("torch/script.h", "torch/csrc/api/include/torch/torch.h",
            "torch/csrc/api/include/torch/enum.h");
    private static final List<String> LIBRARIES = List.of("libtorch.so", "libtorch_cpu.so", "libc10.so");
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(\\S*)");
    private static final Pattern PY_VERSION = Pattern.compile("(?m)^__version__\\s*=\\s*'([^']+)'");
    private static final Pattern PY_CUDA = Pattern.compile("(?m)^cuda\\s*(?::[^=]*)?=\\s*'([^']+)'");
    private static final Pattern CMAKE_ABI = Pattern.compile("_GLIBCXX_USE_CXX11_ABI=([01])");

    public Path includeDir() {
        return root.resolve("include");
    }

    public Path libDir() {
        return root.resolve("lib");
    }

    /** {@code 2.13.0}: what DJL's {@code PYTORCH_VERSION} and its cache folder name take. */
    public String baseVersion() {
        Matcher m = VERSION.matcher(version);
        return m.matches() ? m.group(1) + "." + m.group(2) + "." + m.group(3) : version;
    }

    /**
     * DJL's {@code PYTORCH_FLAVOR}: it loads the CUDA libraries only when the flavour contains
     * {@code cu}, so a CUDA build is {@code cuXYZ} (from its CUDA version, else the version's
     * {@code +cuXYZ} suffix, else plain {@code cu}), anything else {@code cpu}.
     */
    public String flavor() {
        if (!cuda) {
            return "cpu";
        }
        if (cudaVersion.isPresent()) {
            return "cu" + cudaVersion.get().replace(".", "");
        }
        Matcher m = Pattern.compile("\\+(cu\\d+)").matcher(version);
        return m.find() ? m.group(1) : "cu";
    }

    /** Reads DIR, failing with one line that names what is missing or unusable. */
    public static Libtorch inspect(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--torch " + dir + " is not a directory");
        }
        List<String> missingLibs = missing(dir.resolve("lib"), LIBRARIES);
        if (missingLibs.size() == LIBRARIES.size()) {
            throw new IllegalArgumentException(dir + " is not a libtorch: no lib/libtorch.so (expected a pip PyTorch's"
                    + " torch/ folder or an unpacked libtorch, with include/ and lib/)");
        }
        if (!missingLibs.isEmpty()) {
            throw new IllegalArgumentException(dir + "/lib lacks " + String.join(", ", missingLibs));
        }
        List<String> missingHeaders = missing(dir.resolve("include"), HEADERS);
        if (!missingHeaders.isEmpty()) {
            throw new IllegalArgumentException(dir + "/include lacks " + String.join(", ", missingHeaders)
                    + " (a libtorch without its C++ headers; pip's torch wheels and the libtorch zips have them)");
        }
        String version = readVersion(dir);
        requireSupported(dir, version);
        boolean cuda = Files.exists(dir.resolve("lib/libtorch_cuda.so")) || Files.exists(dir.resolve("lib/libc10_cuda.so"));
        return new Libtorch(dir.toAbsolutePath().normalize(), version, readCudaVersion(dir), cuda, readCxx11Abi(dir));
    }

    private static List<String> missing(Path base, List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (!Files.isRegularFile(base.resolve(n))) {
                out.add(n);
            }
        }
        return out;
    }

    /** pip: {@code version.py}'s {@code __version__}; libtorch zip: the first line of {@code build-version}. */
    static String readVersion(Path dir) throws IOException {
        Path py = dir.resolve("version.py");
        if (Files.isRegularFile(py)) {
            Matcher m = PY_VERSION.matcher(Files.readString(py));
            if (m.find()) {
                return m.group(1);
            }
            throw new IllegalArgumentException(py + " has no __version__ = '...' line");
        }
        Path build = dir.resolve("build-version");
        if (Files.isRegularFile(build)) {
            return Files.readString(build).strip().lines().findFirst().orElse("");
        }
        throw new IllegalArgumentException(dir + " has neither version.py (pip torch) nor build-version (libtorch zip):"
                + " cannot tell the torch version");
    }

    private static void requireSupported(Path dir, String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) {
            throw new IllegalArgumentException(dir + ": torch version '" + version + "' is not of the form X.Y.Z");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < MIN_VERSION[0] || (major == MIN_VERSION[0] && minor < MIN_VERSION[1])) {
            throw new IllegalArgumentException(dir + ": torch " + version + " is too old for DJL 0.36's JNI (needs "
                    + MIN_VERSION[0] + "." + MIN_VERSION[1] + " or newer)");
        }
    }

    private static Optional<String> readCudaVersion(Path dir) throws IOException {
        Path py = dir.resolve("version.py");
        if (Files.isRegularFile(py)) {
            Matcher m = PY_CUDA.matcher(Files.readString(py));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The ABI torch's own CMake config hands to its users ({@code TORCH_CXX_FLAGS} in
     * {@code share/cmake/Torch/TorchConfig.cmake}, which names it up to the 2.x releases that still
     * shipped both ABIs); failing that (2.13 names none), whether {@code libc10.so} holds
     * {@code std::__cxx11} names, which only the new ABI produces.
     */
    static boolean readCxx11Abi(Path dir) throws IOException {
        Path cmake = dir.resolve("share/cmake/Torch/TorchConfig.cmake");
        if (Files.isRegularFile(cmake)) {
            Matcher m = CMAKE_ABI.matcher(Files.readString(cmake));
            if (m.find()) {
                return m.group(1).equals("1");
            }
        }
        return contains(dir.resolve("lib/libc10.so"), "__cxx11".getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean contains(Path file, byte[] needle) throws IOException {
        byte[] buf = new byte[1 << 20];
        int carry = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf, carry, buf.length - carry)) > 0) {
                int len = carry + n;
                if (indexOf(buf, len, needle) >= 0) {
                    return true;
                }
                // Keep the tail so a name split across two reads is still seen.
                carry = Math.min(needle.length - 1, len);
                System.arraycopy(buf, len - carry, buf, 0, carry);
            }
        }
        return false;
    }

    private static int indexOf(byte[] hay, int len, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= len; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
