package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.collapse.TestDevice;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Incremental decoding with the cache gives the logits of one full forward pass. */
class KvCacheTest {

    static final double TOL = 1e-5;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfFixture#casesAndInputs")
    void tokenByTokenEqualsFullForward(String caseName, String input) throws IOException {
        checkCacheDecoding(HfFixture.load(caseName), input);
    }

    /** A 40-token prompt through the cache, then one token at a time: the logits of one full forward. */
    static void checkCacheDecoding(HfFixture fx, String input) {
        String caseName = fx.name() + " " + input;
        long[][] ids = fx.inputIds(input);
        long[][] mask = fx.attentionMask(input);
        int t = ids[0].length;
        int prompt = 40; // the padded rows' first real tokens lie inside the prompt or later
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            NDArray idArray = manager.create(ids);
            NDArray maskArray = mask == null ? manager.ones(idArray.getShape(), DataType.INT64) : manager.create(mask);
            NDArray full = lm.forward(idArray, maskArray, null).logits(); // (B, T, V)

            KvCache cache = KvCache.empty(fx.config().numHiddenLayers());
            for (int start = 0; start < t; ) {
                int end = start == 0 ? prompt : start + 1;
                try (NDManager step = manager.newSubManager()) {
                    NDArray newIds = idArray.get(step, new NDIndex(":, " + start + ":" + end));
                    NDArray maskSoFar = maskArray.get(step, new NDIndex(":, :" + end));
                    // The prompt through forward (all its logits), then one token at a time as a decoder does.
                    CausalLMOutput out = start == 0 ? lm.forward(newIds, maskSoFar, cache) : lm.forwardLast(newIds, maskSoFar, cache);
                    assertEquals(end, out.cache().length());
                    NDArray got = start == 0 ? out.logits() : out.logits().expandDims(1); // (B, T_new, V)
                    NDArray want = full.get(step, new NDIndex(":, " + start + ":" + end));
                    assertClose(want, got, maskSoFar.get(new NDIndex(":, " + start + ":")), caseName + " positions " + start + ".." + end);
                    cache.close();
                    cache = step.ret(out.cache()); // moves up to manager
                }
                start = end;
            }
            assertEquals(t, cache.length());
        }
    }

    @Test
    void reorderAndKeepRowsFollowTheBatchIndex() throws IOException {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        long[][] ids = fx.inputIds("padded");
        long[][] mask = fx.attentionMask("padded");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            NDArray idArray = manager.create(ids);
            NDArray maskArray = manager.create(mask);
            NDArray prefixIds = idArray.get(":, :50");
            KvCache cache = lm.forward(prefixIds, maskArray.get(":, :50"), KvCache.empty(2)).cache();

            // Beam-style reorder: rows 2, 0, 0; the next token's logits must be those of the source rows.
            NDArray beamIdx = manager.create(new long[] {2, 0, 0});
            KvCache reordered = cache.reorder(beamIdx);
            assertEquals(3, reordered.batchSize());
            NDArray nextIds = idArray.get(":, 50:51").get(beamIdx);
            NDArray nextMask = maskArray.get(":, :51").get(beamIdx);
            NDArray got = lm.forward(nextIds, nextMask, reordered).logits(); // (3, 1, V)
            NDArray full = lm.forward(idArray.get(":, :51"), maskArray.get(":, :51"), null).logits();
            NDArray want = full.get(":, 50:51").get(beamIdx);
            assertClose(want, got, manager.ones(new ai.djl.ndarray.types.Shape(3, 1)), "reordered");

            // Dropping a finished row keeps the others' state.
            KvCache kept = cache.reorder(manager.create(new long[] {1}));
            assertEquals(1, kept.batchSize());
            NDArray keptLogits = lm.forward(idArray.get("1:2, 50:51"), maskArray.get("1:2, :51"), kept).logits();
            assertClose(full.get("1:2, 50:51"), keptLogits, manager.ones(new ai.djl.ndarray.types.Shape(1, 1)), "kept row");
        }
    }

    /** Max |want − got| over positions with mask 1, relative to max |want| there. */
    static void assertClose(NDArray want, NDArray got, NDArray mask, String what) {
        assertEquals(want.getShape(), got.getShape(), what + ": shape");
        NDArray valid = mask.toType(DataType.FLOAT32, false).expandDims(-1); // (B, T, 1)
        float diff = want.sub(got).abs().mul(valid).max().getFloat();
        float scale = want.abs().mul(valid).max().getFloat();
        assertTrue(scale > 0, what + ": nothing compared");
        OptForCausalLMTest.report(what, diff / scale);
        assertTrue(diff / scale < TOL, what + ": relative error " + diff / scale + " (max abs diff " + diff + ")");
    }
}
