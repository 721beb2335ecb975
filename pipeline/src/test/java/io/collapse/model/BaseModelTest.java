package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** CausalLM reads a base model's first parameter as its token embedding: BaseModel makes that so. */
class BaseModelTest {

    /** A base model that registers {@code before} (if any) and then its token embedding. */
    private static final class Bare extends BaseModel {
        final Embedding embedding = new Embedding(10, 4, null);

        Bare(HfBlock before) {
            if (before != null) {
                addChildBlock("before", before);
            }
            addInputEmbeddings("embed_tokens", embedding);
        }

        @Override
        protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
                KvCache cache, boolean training, boolean outputHiddenStates) {
            throw new UnsupportedOperationException("BaseModelTest checks registration order only; nothing runs forward");
        }
    }

    @Test
    void theTokenEmbeddingIsTheFirstParameter() {
        Bare bare = new Bare(null);
        assertSame(bare.embedding, bare.inputEmbeddings());
        assertSame(StateDict.parameters(bare).values().iterator().next(), StateDict.parameters(bare.embedding).get("weight"));
    }

    @Test
    void aBlockBeforeTheTokenEmbeddingIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Bare(new Linear(4, 4, false)));
        assertTrue(e.getMessage().contains("the token embedding must be registered first"), e.getMessage());
    }
}
