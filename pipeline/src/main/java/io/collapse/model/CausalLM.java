package io.collapse.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.collapse.config.LmConfig;
import io.collapse.io.Checksums;
import io.collapse.model.hf.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A causal language model of any family (HF's {@code …ForCausalLM}): what training, evaluation
 * and decoding use. A family gives its {@link BaseModel} (embeddings and decoder layers) and the
 * names HF gives it and the LM head; the rest — checks, scopes, the head, weights in and out — is
 * here, once.
 * Letters: B batch, T new positions, P cached positions, S = P + T, E the head's input width, V vocab.
 *
 * <p>Life cycle: construct from a config, then weights from {@link #loadStateDict} or
 * {@link #initWeights} (both create the parameter arrays on the given manager in the given dtype
 * and leave the block initialized), then {@link #forward}. As a DJL {@code Block} it takes
 * {@code (input_ids (B, T) [, attention_mask (B, T)])} and returns {@code (logits (B, T, V))}.
 */
public abstract class CausalLM extends HfBlock {

    /** What a family's base model hands to the LM head; keys/values are null without a cache. */
    public record Body(NDArray hidden, List<NDArray> keys, List<NDArray> values, NDList hiddenStates) {}

    private final LmConfig config;
    private final BaseModel base;
    private final Linear lmHead; // null when tied: the head is the input embedding

    /**
     * Registers the base model, then (untied) the LM head, under HF's attribute names: the
     * state-dict keys and {@code named_parameters()}' order.
     *
     * @param baseName HF's attribute for the base model ({@code model}, {@code transformer}, …)
     * @param headName HF's attribute for the LM head ({@code lm_head}, NeoX's {@code embed_out})
     */
    protected CausalLM(LmConfig config, String baseName, BaseModel base, String headName) {
        this.config = config;
        this.base = addChildBlock(baseName, base);
        this.lmHead = config.tiedLmHead() ? null
                : addChildBlock(headName, new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    public LmConfig config() {
        return config;
    }

    /** The device the weights are on: the first parameter's, since a model is never split across devices. */
    public Device device() {
        return firstWeight().getDevice();
    }

    /** The manager the weights live in. */
    public NDManager manager() {
        return firstWeight().getManager();
    }

    /** A scope under the model's manager, on its device, so the model's leak checks count what it holds. */
    public Scope newScope() {
        return Scope.under(firstWeight());
    }

    private NDArray firstWeight() {
        return getParameters().valueAt(0).getArray();
    }

    /** Parameters, counted from their declared shapes (known before any weight is set), as HF's {@code num_parameters()}. */
    public long numParameters() {
        return StateDict.parameters(this).values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /** The dtype of the parameters (float32 unless loaded otherwise). */
    public DataType dataType() {
        return firstWeight().getDataType();
    }

    /**
     * One forward pass.
     *
     * @param ps where parameter values come from (a Trainer's store, or {@code new
     *     ParameterStore(manager, false)})
     * @param inputIds (B, T) int64 new tokens
     * @param attentionMask (B, P + T): 1 real token, 0 pad; null means all ones
     * @param cache keys/values of the P earlier positions ({@link KvCache#empty} for the first
     *     call), or null when no cache is wanted (training, scoring)
     * @param training enables dropout
     * @param outputHiddenStates also return HF's {@code hidden_states}
     * @return logits (B, T, V) float32, the grown cache (P + T positions) when one was passed, and
     *     the hidden states if asked; all attached to {@code inputIds}' manager
     */
    public CausalLMOutput forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        return run(ps, inputIds, attentionMask, null, cache, training, outputHiddenStates, false);
    }

    /**
     * As {@link #forward(ParameterStore, NDArray, NDArray, KvCache, boolean, boolean)} with HF's
     * {@code position_ids} (B, T) given: what HF's forward does when the caller passes them. Without
     * them a family takes HF generate's positions ({@link PositionIds#fromMask}), which differ from
     * HF's forward only under left padding.
     */
    public CausalLMOutput forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        return run(ps, inputIds, attentionMask, positionIds, cache, training, outputHiddenStates, false);
    }

    /** Inference: no dropout, no hidden states, parameters read directly. */
    public CausalLMOutput forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return forward(new ParameterStore(inputIds.getManager(), false), inputIds, attentionMask, cache, false, false);
    }

    /**
     * Inference for decoding: as {@link #forward(NDArray, NDArray, KvCache)} but the LM head runs on
     * the last position only, so the logits are (B, V) — with 50272 ids a prompt's full logits would
     * cost T times the memory and matmul for nothing.
     */
    public CausalLMOutput forwardLast(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return run(new ParameterStore(inputIds.getManager(), false), inputIds, attentionMask, null, cache, false, false,
                true);
    }

    private CausalLMOutput run(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates, boolean lastOnly) {
        Shape maskShape = checkInputs(inputIds, attentionMask, cache);
        if (positionIds != null && !positionIds.getShape().equals(inputIds.getShape())) {
            throw new IllegalArgumentException("position_ids must be (B, T) = " + inputIds.getShape() + ", got "
                    + positionIds.getShape());
        }
        try (Scope scope = Scope.borrowing(inputIds, attentionMask, cache, positionIds)) {
            NDArray positions = positionIds == null ? null : positionIds.toType(DataType.INT64, false); // (B, T)
            NDArray ids = inputIds.toType(DataType.INT64, false);
            NDArray mask = attentionMask == null
                    ? scope.manager().ones(maskShape, DataType.INT64)
                    : attentionMask.toType(DataType.INT64, false); // (B, S)
            Body r = base.forward(ps, ids, mask, positions, cache, training, outputHiddenStates);
            Device device = r.hidden().getDevice();
            NDArray head = lmHead == null // (V, E)
                    ? base.inputEmbeddings().weight(ps, device, training)
                    : lmHead.weight(ps, device, training);
            NDArray hidden = lastOnly ? r.hidden().get(":, -1, :") : r.hidden(); // (B, E) or (B, T, E)
            NDArray logits = ai.djl.nn.core.Linear.linear(hidden, head).head(); // (B, V) or (B, T, V)
            if (logits.getDataType() != DataType.FLOAT32) {
                // Training needs a cast autograd sees (toType is not one in DJL): type promotion
                // with a float32 zero of shape (1) casts inside the graph, exactly.
                logits = training
                        ? logits.add(scope.manager().zeros(new Shape(1), DataType.FLOAT32))
                        : logits.toType(DataType.FLOAT32, false);
            }
            KvCache grown = cache == null ? null : scope.keep(KvCache.of(r.keys(), r.values()));
            return new CausalLMOutput(scope.keep(logits), grown, scope.keep(r.hiddenStates()));
        }
    }

    /** @return the attention mask's shape (B, P + T) */
    private Shape checkInputs(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        Shape idShape = inputIds.getShape();
        if (idShape.dimension() != 2) {
            throw new IllegalArgumentException("input_ids must be (B, T), got " + idShape);
        }
        long b = idShape.get(0);
        long past = KvCache.lengthOf(cache);
        Shape maskShape = new Shape(b, past + idShape.get(1));
        if (attentionMask != null && !attentionMask.getShape().equals(maskShape)) {
            throw new IllegalArgumentException("attention_mask must be (B, P + T) = " + maskShape
                    + " (P = " + past + " cached positions), got " + attentionMask.getShape());
        }
        if (maskShape.get(1) > config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + maskShape.get(1) + " positions exceeds max_position_embeddings "
                    + config().maxPositionEmbeddings());
        }
        if (cache != null && !cache.isEmpty() && cache.batchSize() != b) {
            throw new IllegalArgumentException("the cache holds " + cache.batchSize() + " rows but input_ids has " + b);
        }
        if (cache != null && cache.numLayers() != config().numHiddenLayers()) {
            throw new IllegalArgumentException("the cache has " + cache.numLayers() + " layers, the model "
                    + config().numHiddenLayers());
        }
        return maskShape;
    }

    /**
     * Sets every parameter from an HF state dict, replacing arrays already there. Names may leave
     * out the base-model prefix ({@link LmConfig#canonicalName}: facebook/opt's {@code decoder.…},
     * gpt2's {@code h.0.…}); a tied model's head tensor is ignored if it has the embedding's shape;
     * buffers HF ignores are skipped. F32, F16, BF16 and F64 are converted to {@code dtype}
     * (float32, float16, or bfloat16 on the self-built JNI: mixed-precision training's compute copy).
     * Everything is checked before anything is set.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped tensors
     */
    public void loadStateDict(Map<String, HostTensor> stateDict, NDManager manager, DataType dtype) {
        Dtypes.check(dtype, "model dtype");
        Map<String, HostTensor> byKey = checkStateDict(stateDict);
        Map<String, Parameter> params = StateDict.parameters(this);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = byKey.get(e.getKey());
            NDArray value = Tensors.of(manager, t.toFloats(), new Shape(t.shape()));
            assign(e.getValue(), dtype == DataType.FLOAT32 ? value : convert(value, dtype));
        }
        initialize(manager, dtype, new Shape(1, 1));
    }

    /**
     * Refuses a state dict that {@link #loadStateDict} could not load, naming the missing, unexpected
     * or mis-shaped tensors; touches nothing (export checks a checkpoint with it before writing).
     *
     * @return the state dict under the model's names, a tied head dropped
     */
    public Map<String, HostTensor> checkStateDict(Map<String, HostTensor> stateDict) {
        Map<String, Parameter> params = StateDict.parameters(this);
        List<String> problems = new ArrayList<>();
        Map<String, HostTensor> byKey = canonical(stateDict, problems);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = byKey.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!new Shape(t.shape()).equals(e.getValue().getShape())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + " but the config expects " + e.getValue().getShape());
            } else if (!t.dtype().isFloating()) {
                problems.add("tensor '" + e.getKey() + "' has dtype " + t.dtype() + ", expected a floating type");
            }
        }
        List<String> unexpected = byKey.keySet().stream().filter(k -> !params.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            problems.add(0, "missing tensors " + list(missing));
        }
        if (!unexpected.isEmpty()) {
            problems.add("unexpected tensors " + list(unexpected));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("state dict does not fit this " + config().modelType() + " config: "
                    + String.join("; ", problems));
        }
        return byKey;
    }

    /** The state dict under the model's names, a tied head checked and dropped; problems go to {@code problems}. */
    private Map<String, HostTensor> canonical(Map<String, HostTensor> stateDict, List<String> problems) {
        LmConfig c = config();
        Map<String, HostTensor> byKey = c.canonical(stateDict, true, problems);
        HostTensor head = c.tiedLmHead() ? byKey.remove(c.headTensor()) : null;
        Shape embed = base.inputEmbeddings().weightParameter().getShape();
        if (head != null && !new Shape(head.shape()).equals(embed)) {
            problems.add("tensor '" + c.headTensor() + "' has shape " + Arrays.toString(head.shape())
                    + " but the model ties it to the token embedding " + embed);
        }
        return byKey;
    }

    /**
     * HF's {@code _init_weights} from a seed: weights ~ N(0, initializer_range), biases 0, norm
     * weights 1 (by DJL parameter type: WEIGHT, BIAS/BETA, GAMMA), the token embedding's
     * {@code padding_idx} row 0 (OPT, Llama with a pad token), then the family's adjustments
     * ({@link #adjustInit}). The numbers come from a {@link SplittableRandom} walked in state-dict
     * order, so a seed gives the same weights on every run and device (not the numbers torch would draw).
     */
    public void initWeights(long seed, NDManager manager, DataType dtype) {
        Dtypes.check(dtype, "model dtype");
        SplittableRandom rng = new SplittableRandom(seed);
        double std = config().initializerRange();
        Map<String, Parameter> params = StateDict.parameters(this);
        Parameter embedding = base.inputEmbeddings().weightParameter();
        Integer pad = base.inputEmbeddings().paddingIdx();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Shape shape = e.getValue().getShape();
            float[] values = new float[Math.toIntExact(shape.size())];
            switch (e.getValue().getType()) {
                case GAMMA -> Arrays.fill(values, 1f);
                case WEIGHT -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (rng.nextGaussian() * std);
                    }
                    if (pad != null && e.getValue() == embedding) {
                        int dim = (int) shape.get(1);
                        Arrays.fill(values, pad * dim, (pad + 1) * dim, 0f);
                    }
                    adjustInit(e.getKey(), values);
                }
                default -> { } // biases start at 0
            }
            NDArray value = Tensors.of(manager, values, shape);
            assign(e.getValue(), dtype == DataType.FLOAT32 ? value : convert(value, dtype));
        }
        initialize(manager, dtype, new Shape(1, 1));
    }

    /** A family's change to a freshly drawn weight (GPT-2 scales its residual projections); none by default. */
    protected void adjustInit(String key, float[] values) {}

    /**
     * Every parameter as float32 host tensors under HF names (no head tensor for a tied model, as
     * transformers saves one). Copies to the host.
     */
    public Map<String, HostTensor> stateDict() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDict.parameters(this).entrySet()) {
            NDArray a = e.getValue().getArray();
            out.put(e.getKey(), HostTensor.ofFloats(Tensors.hostFloats(a), a.getShape().getShape()));
        }
        return out;
    }

    /**
     * The sha256 of every parameter's name, shape and float32 values, in {@link #stateDict}'s order:
     * what a training remembers it started from, so that its output folder is not continued from
     * other weights. One parameter on the host at a time.
     */
    public String weightsSha256() {
        MessageDigest sha = Checksums.newSha256();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN); // reused: no second copy of a tensor
        for (Map.Entry<String, Parameter> e : StateDict.parameters(this).entrySet()) {
            NDArray a = e.getValue().getArray();
            sha.update((e.getKey() + " " + a.getShape() + "\n").getBytes(StandardCharsets.UTF_8));
            float[] values = Tensors.hostFloats(a);
            for (int from = 0; from < values.length; from += chunk.capacity() / 4) {
                int n = Math.min(chunk.capacity() / 4, values.length - from);
                chunk.clear();
                chunk.asFloatBuffer().put(values, from, n);
                sha.update(chunk.array(), 0, 4 * n);
            }
        }
        return Checksums.hex(sha);
    }

    /** DJL entry: (input_ids (B, T) [, attention_mask (B, T)]) -> (logits (B, T, V)). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), mask, null, training, false).logits());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config().vocabSize())};
    }

    private static NDArray convert(NDArray value, DataType dtype) {
        try (value) {
            return value.toType(dtype, true);
        }
    }

    private static String list(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String head = String.join(", ", names.subList(0, shown).stream().map(n -> "'" + n + "'").toList());
        return "[" + head + (names.size() > shown ? ", … " + (names.size() - shown) + " more" : "") + "]";
    }
}
