package io.collapse.nativelib;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.io.Checksums;
import io.collapse.nativelib.JniSources.OwnUnit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the loaded JNI came from. {@code collapse native build} writes a record beside the library
 * it installs ({@code <lib>.collapse.json}, with the library's sha256); DJL's prebuilt one is
 * recognised by its bytes, equal to the {@code jnilib/} resource of the pytorch-jni jar.
 */
public final class JniRecord {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The record's flag for what DJL's own JNI lacks besides collapse's own units ({@link OwnUnit#recordKey}). */
    private static final String BFLOAT16 = "bfloat16";

    private JniRecord() {}

    static Path recordFile(Path jni) {
        return jni.resolveSibling(jni.getFileName() + ".collapse.json");
    }

    /** Never overwrite a JNI we did not build: at DJL's own version that is its extracted prebuilt one. */
    static void refuseForeign(Path target) throws IOException {
        if (Files.exists(target) && readRecord(target).isEmpty()) {
            throw new IllegalStateException(target + " exists and was not built by collapse (DJL's extracted prebuilt"
                    + " JNI?); install elsewhere with --cache-dir DIR");
        }
    }

    /** @param ownUnits collapse's own units that compiled (the build leaves out one that does not) */
    static void write(Path jni, Libtorch torch, String cudaParts, Set<OwnUnit> ownUnits) throws IOException {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("built_by", "collapse native build");
        rec.put("built_at", Instant.now().toString());
        rec.put("torch_dir", torch.root().toString());
        rec.put("torch_version", torch.version());
        rec.put("flavor", torch.flavor());
        rec.put("cxx11_abi", torch.cxx11Abi());
        rec.put("cuda_parts", cudaParts);
        rec.put(BFLOAT16, true); // Bfloat16Patch: DJL's own dtype tables stop before it
        for (OwnUnit u : OwnUnit.ALL) {
            rec.put(u.recordKey(), ownUnits.contains(u));
        }
        rec.put("sha256", Checksums.sha256(jni));
        Files.writeString(recordFile(jni), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rec) + "\n");
    }

    /** The record beside {@code jni}, if there is one and it describes these very bytes. */
    static Optional<JsonNode> readRecord(Path jni) throws IOException {
        Path rec = recordFile(jni);
        if (!Files.isRegularFile(rec)) {
            return Optional.empty();
        }
        JsonNode node = JSON.readTree(rec.toFile());
        return node.path("sha256").asText().equals(Checksums.sha256(jni)) ? Optional.of(node) : Optional.empty();
    }

    /** The loaded JNI's record (empty: DJL's own, or no record for its bytes), read once. */
    private static volatile Optional<JsonNode> loaded;

    /**
     * Whether the JNI this process loaded (ask after the engine has loaded) maps bfloat16: one that
     * {@code collapse native build} made does; DJL's own terminates the JVM on it, on any device.
     */
    public static boolean bfloat16() {
        return loadedFlag(BFLOAT16);
    }

    /** Whether the loaded JNI has collapse's multi-tensor AdamW ({@code io.collapse.train.FusedAdamW}'s native side). */
    public static boolean fusedAdamW() {
        return loadedFlag(OwnUnit.FUSED_ADAMW.recordKey());
    }

    /** Whether the loaded JNI has attention through torch's SDPA ({@code io.collapse.model.Sdpa}'s native side). */
    public static boolean sdpa() {
        return loadedFlag(OwnUnit.SDPA.recordKey());
    }

    /** What the loaded JNI has that DJL's own lacks, by the record's keys (bfloat16, fused_adamw, sdpa); none for DJL's. */
    public static List<String> extras() {
        List<String> keys = new ArrayList<>(List.of(BFLOAT16));
        OwnUnit.ALL.forEach(u -> keys.add(u.recordKey()));
        return keys.stream().filter(JniRecord::loadedFlag).toList();
    }

    private static boolean loadedFlag(String key) {
        return loadedRecord().map(r -> r.path(key).asBoolean(false)).orElse(false);
    }

    private static Optional<JsonNode> loadedRecord() {
        if (loaded == null) {
            Engine.getEngine("PyTorch"); // maps the JNI, which loadedJni() reads from /proc/self/maps
            try {
                Optional<Path> jni = loadedJni();
                loaded = jni.isPresent() ? readRecord(jni.get()) : Optional.empty();
            } catch (IOException e) {
                loaded = Optional.empty();
            }
        }
        return loaded;
    }

    /** The {@code libdjl_torch.so} this process has mapped (after the engine loaded), read from {@code /proc/self/maps}. */
    public static Optional<Path> loadedJni() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        return Files.readAllLines(maps).stream()
                .map(l -> l.substring(l.indexOf('/') < 0 ? l.length() : l.indexOf('/')).strip().replaceAll(" \\(deleted\\)$", ""))
                .filter(p -> p.endsWith("djl_torch.so"))
                .findFirst()
                .map(Path::of);
    }

    /** "self-built …", "DJL prebuilt …" or "unknown …", in one phrase for {@code collapse info}. */
    public static String origin(Path jni, String classifier, String flavor) throws IOException {
        Optional<JsonNode> rec = readRecord(jni);
        if (rec.isPresent()) {
            return "self-built by collapse native build against torch " + rec.get().path("torch_version").asText()
                    + " (" + rec.get().path("torch_dir").asText() + ", " + rec.get().path("built_at").asText() + ")";
        }
        String resource = "jnilib/" + classifier + "/" + flavor + "/libdjl_torch.so";
        try (InputStream in = JniRecord.class.getClassLoader().getResourceAsStream(resource)) {
            if (in != null && Checksums.sha256(in.readAllBytes()).equals(Checksums.sha256(jni))) {
                return "DJL prebuilt (pytorch-jni jar, " + resource + ")";
            }
        }
        return "unknown (neither DJL's prebuilt " + resource + " nor a collapse native build record)";
    }
}
