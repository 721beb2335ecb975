package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.eval.SequenceNllTest;
import io.collapse.generate.HfGenerateParityTest;
import io.collapse.io.AtomicFiles;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.train.FineTuneParityTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * HF parity of every family fixture under {@code hf-families/} that has known answers (transformers
 * 5.17, float32), with the OPT tests' checks and tolerances: the checkpoint's names are the model's,
 * every forward record (logits and every hidden state, with and without left padding; HF's forward
 * counts left pads in its positions, so those records pass HF's positions, the rest take our
 * default, generate's), loss and both perplexities, KV-cache decoding against the full forward,
 * three AdamW steps, and every {@code generate} record with and without the cache, the positions
 * generate fed included. A family joins by its fixture folder alone.
 */
class FamilyParityTest {

    @AutoClose private static final NDManager manager = TestDevice.manager();

    @TestFactory
    Stream<DynamicNode> everyFamily() throws Exception {
        List<String> cases = HfFixture.familyCases();
        assertFalse(cases.isEmpty(), "no family fixture with an expected.json under hf-families/");
        List<DynamicNode> families = new ArrayList<>();
        for (String name : cases) {
            families.add(DynamicContainer.dynamicContainer(name, checks(HfFixture.family(name))));
        }
        return families.stream();
    }

    private static Stream<DynamicNode> checks(HfFixture fx) throws Exception {
        List<DynamicNode> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("checkpoint keys", () -> assertEquals(new TreeSet<>(fx.weights().keySet()),
                new TreeSet<>(StateDict.keys(AutoModelForCausalLM.of(fx.config()))))));
        for (String record : fx.forwardRecords()) {
            tests.add(DynamicTest.dynamicTest("forward " + record, () -> OptForCausalLMTest.checkForward(fx, record)));
            if (fx.forward(record).has("loss_hf")) {
                tests.add(DynamicTest.dynamicTest("nll " + record, () -> SequenceNllTest.checkNll(fx, record)));
            }
        }
        for (String input : List.of("batch", "padded")) {
            tests.add(DynamicTest.dynamicTest("kv cache " + input, () -> KvCacheTest.checkCacheDecoding(fx, input)));
        }
        tests.add(DynamicTest.dynamicTest("three AdamW steps", () -> {
            Path tmp = Files.createTempDirectory("family-parity-");
            try {
                FineTuneParityTest.checkThreeAdamWSteps(fx, tmp);
            } finally {
                AtomicFiles.deleteTree(tmp);
            }
        }));
        CausalLM model = fx.model(manager);
        for (JsonNode record : fx.expected().get("generate")) {
            String name = "generate " + record.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name + " positions", () -> checkGeneratePositions(fx, record)));
            tests.add(DynamicTest.dynamicTest(name, () -> HfGenerateParityTest.check(model, fx.expected(), record, true, manager)));
            tests.add(DynamicTest.dynamicTest(name + " no-cache",
                    () -> HfGenerateParityTest.check(model, fx.expected(), record, false, manager)));
        }
        return tests.stream();
    }

    /**
     * HF's mask for a prompt passed without one: pads masked where the pad id occurs and differs
     * from eos, else null (all ones) — what {@code Generator} does with a null mask.
     */
    private static long[][] inferredMask(long[][] ids, JsonNode pad, Integer eos) {
        if (!pad.isInt() || (eos != null && pad.asInt() == eos)
                || java.util.Arrays.stream(ids).flatMapToLong(java.util.Arrays::stream).noneMatch(id -> id == pad.asInt())) {
            return null;
        }
        long[][] mask = new long[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            mask[r] = java.util.Arrays.stream(ids[r]).map(id -> id == pad.asInt() ? 0 : 1).toArray();
        }
        return mask;
    }

    /**
     * The positions HF's generate fed (prefill, then each decode step's one token) are what our
     * default gives for the prompt's mask grown by one real column a step ({@link PositionIds#fromMask}).
     */
    private static void checkGeneratePositions(HfFixture fx, JsonNode record) {
        JsonNode used = record.path("position_ids_used");
        if (used.isMissingNode()) {
            return;
        }
        long[][] ids = fx.inputIds(record.get("prompt").asText());
        long[][] prompt = record.get("attention_mask_passed").asBoolean()
                ? fx.attentionMask(record.get("prompt").asText())
                : inferredMask(ids, record.get("kwargs").path("pad_token_id"), fx.config().eosTokenId());
        int steps = used.get("decode").get(0).size();
        int t = ids[0].length;
        long[][] grown = new long[ids.length][t + steps];
        for (int r = 0; r < ids.length; r++) {
            for (int c = 0; c < t + steps; c++) {
                grown[r][c] = c >= t || prompt == null ? 1 : prompt[r][c];
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray mask = scope.create(grown);
            long[][] prefill = HfFixture.longs(used.get("prefill"));
            long[][] decode = HfFixture.longs(used.get("decode"));
            for (int r = 0; r < ids.length; r++) {
                long[] ours = PositionIds.fromMask(mask.get(r + ":" + (r + 1) + ", :" + t), 0).toLongArray();
                assertArrayEquals(prefill[r], ours, "prefill positions, row " + r);
                for (int s = 0; s < steps; s++) {
                    NDArray sofar = mask.get(r + ":" + (r + 1) + ", :" + (t + s + 1));
                    long got = PositionIds.fromMask(sofar, t + s).toLongArray()[0];
                    assertEquals(decode[r][s], got, "decode position, row " + r + " step " + s);
                }
            }
        }
    }
}
