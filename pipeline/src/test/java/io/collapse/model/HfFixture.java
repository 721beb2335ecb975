package io.collapse.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One HF fixture folder in test resources: the OPT cases ({@code hf-opt/case-*}, transformers 4.35)
 * or a family's ({@code hf-families/<family>}, transformers 5.17): config, weights (read as the
 * pipeline reads a model directory, so sharded, .bin and bf16 checkpoints work), known answers.
 */
public record HfFixture(String name, Path dir, LmConfig config, Map<String, HostTensor> weights, JsonNode expected,
        Map<String, HostTensor> tensors) {

    public static final String CASE_A = "case-a-preln";
    public static final String CASE_B = "case-b-postln-proj";
    public static final String FAMILIES = "hf-families";

    /** An OPT case, {@code hf-opt/<name>}. */
    public static HfFixture load(String name) throws IOException {
        return load(name, resource("hf-opt/" + name));
    }

    /** A family's case, {@code hf-families/<name>}. */
    public static HfFixture family(String name) throws IOException {
        return load(name, resource(FAMILIES + "/" + name));
    }

    private static HfFixture load(String name, Path dir) throws IOException {
        HfModelDir.Checkpoint checkpoint = HfModelDir.read(dir);
        return new HfFixture(name, dir, checkpoint.config(), checkpoint.tensors(),
                new ObjectMapper().readTree(dir.resolve("expected.json").toFile()),
                Safetensors.read(dir.resolve("expected_tensors.safetensors")));
    }

    /** The family cases that have known answers (an expected.json), sorted: more join as they are generated. */
    public static List<String> familyCases() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(resource(FAMILIES))) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("expected.json"))).forEach(d -> names.add(d.getFileName().toString()));
        }
        return names.stream().sorted().toList();
    }

    /**
     * Both OPT cases with both inputs, (case name, "batch" | "padded"), for
     * {@code @MethodSource("io.collapse.model.HfFixture#casesAndInputs")}.
     */
    public static Stream<Arguments> casesAndInputs() {
        return Stream.of(
                Arguments.of(CASE_A, "batch"), Arguments.of(CASE_A, "padded"),
                Arguments.of(CASE_B, "batch"), Arguments.of(CASE_B, "padded"));
    }

    public static Path resource(String path) {
        try {
            return Path.of(HfFixture.class.getClassLoader().getResource(path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " not found", e);
        }
    }

    /** The case's model in float32, its parameters in {@code manager}. */
    public CausalLM model(NDManager manager) {
        return AutoModelForCausalLM.fromStateDict(config, weights, manager, DataType.FLOAT32);
    }

    /**
     * The config as {@code model.eval()} runs it: every dropout probability of config.json (keys
     * ending in {@code dropout} or {@code pdrop}: OPT's dropout, GPT-2's resid/embd/attn_pdrop,
     * NeoX's hidden_dropout…) set to 0.
     */
    public LmConfig configWithoutDropout() throws IOException {
        ObjectNode json = (ObjectNode) ConfigLoader.JSON.readTree(dir.resolve("config.json").toFile());
        for (Iterator<String> keys = json.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if ((key.endsWith("dropout") || key.endsWith("pdrop")) && json.get(key).isNumber()) {
                json.put(key, 0.0);
            }
        }
        Path file = Files.createTempFile("config-", ".json");
        try {
            Files.writeString(file, json.toString());
            return LmConfig.read(file);
        } finally {
            Files.delete(file);
        }
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

    /** The forward record {@code record} (OPT: "batch", "padded"; families also "padded_generate_positions"). */
    public JsonNode forward(String record) {
        return expected.path("forward").path(record);
    }

    /** The forward records' names, in the fixture's order. */
    public List<String> forwardRecords() {
        List<String> names = new ArrayList<>();
        expected.path("forward").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The input a forward record ran on (OPT's records are named after theirs). */
    public String inputOf(String record) {
        return forward(record).path("input").asText(record);
    }

    /** The mask a forward record passed: null where HF ran without one. */
    public long[][] maskOf(String record) {
        long[][] mask = attentionMask(inputOf(record));
        return forward(record).path("attention_mask_passed").asBoolean(mask != null) ? mask : null;
    }

    /**
     * The position ids to pass to reproduce a forward record, or null where ours are HF's: our
     * default is HF generate's rule ({@link PositionIds#fromMask}), HF's forward without
     * position_ids counts left pads (position_ids_used records what it fed). OPT's records have no
     * position ids: its positions always follow the mask.
     */
    public long[][] positionIdsOf(String record) {
        JsonNode used = forward(record).path("position_ids_used");
        if (used.isMissingNode()) {
            return null;
        }
        long[][] want = longs(used);
        long[][] mask = maskOf(record);
        long[][] ours = new long[want.length][];
        for (int r = 0; r < want.length; r++) {
            ours[r] = new long[want[r].length];
            long seen = 0;
            for (int t = 0; t < want[r].length; t++) {
                boolean real = mask == null || mask[r][t] == 1;
                seen += real ? 1 : 0;
                ours[r][t] = real ? seen - 1 : 0;
            }
        }
        if (Arrays.deepEquals(want, ours)) {
            return null;
        }
        if (forward(record).path("position_ids_passed").asBoolean()) {
            throw new AssertionError(record + ": HF was passed position ids other than generate's rule");
        }
        return want;
    }

    /** One forward pass as the record ran it (input, mask, positions), float32 logits and hidden states if asked. */
    public CausalLMOutput run(CausalLM lm, NDManager manager, String record, boolean hiddenStates) {
        long[][] mask = maskOf(record);
        long[][] positions = positionIdsOf(record);
        return lm.forward(new ParameterStore(manager, false), manager.create(inputIds(inputOf(record))),
                mask == null ? null : manager.create(mask), positions == null ? null : manager.create(positions), null,
                false, hiddenStates);
    }

    public static long[][] longs(JsonNode rows) {
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
