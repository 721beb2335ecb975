package io.collapse.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** One case of the HF OPT fixtures in test resources (hf-opt/case-*): config, weights, known answers. */
public record HfOptFixture(String name, Path dir, OptConfig config, Map<String, HostTensor> weights, JsonNode expected,
        Map<String, HostTensor> tensors) {

    public static final String CASE_A = "case-a-preln";
    public static final String CASE_B = "case-b-postln-proj";

    public static HfOptFixture load(String name) throws IOException {
        Path dir = resource("hf-opt/" + name);
        return new HfOptFixture(name, dir, (OptConfig) LmConfig.read(dir.resolve("config.json")),
                Safetensors.read(dir.resolve("model.safetensors")),
                new ObjectMapper().readTree(dir.resolve("expected.json").toFile()),
                Safetensors.read(dir.resolve("expected_tensors.safetensors")));
    }

    /**
     * Both cases with both inputs, (case name, "batch" | "padded"), for
     * {@code @MethodSource("io.collapse.model.HfOptFixture#casesAndInputs")}.
     */
    public static Stream<Arguments> casesAndInputs() {
        return Stream.of(
                Arguments.of(CASE_A, "batch"), Arguments.of(CASE_A, "padded"),
                Arguments.of(CASE_B, "batch"), Arguments.of(CASE_B, "padded"));
    }

    public static Path resource(String path) {
        try {
            return Path.of(HfOptFixture.class.getClassLoader().getResource(path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " not found", e);
        }
    }

    /** The case's model in float32, its parameters in {@code manager}. */
    public CausalLM model(NDManager manager) {
        return AutoModelForCausalLM.fromStateDict(config, weights, manager, DataType.FLOAT32);
    }

    /** inputs.{batch,padded}.input_ids as long[B][T]. */
    public long[][] inputIds(String input) {
        return longs(expected.path("inputs").path(input).path("input_ids"));
    }

    /** inputs.padded.attention_mask, or null for the batch input (passed without a mask). */
    public long[][] attentionMask(String input) {
        JsonNode m = expected.path("inputs").path(input).path("attention_mask");
        return m.isMissingNode() ? null : longs(m);
    }

    public JsonNode forward(String input) {
        return expected.path("forward").path(input);
    }

    static long[][] longs(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            out[i] = new long[r.size()];
            for (int j = 0; j < r.size(); j++) {
                out[i][j] = r.get(j).asLong();
            }
        }
        return out;
    }
}
