package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.collapse.config.OptConfig;
import io.collapse.model.hf.HostTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * HF's {@code OPTForCausalLM}: the decoder ({@code model.decoder}) plus an LM head tied to
 * {@code embed_tokens} (no parameter of its own). Letters: B batch, T new positions, P cached
 * positions, S = P + T, V vocab.
 *
 * <p>Life cycle: {@code new OptForCausalLM(config)}, then weights from {@link #loadStateDict} or
 * {@link #initWeights} (both create the parameter arrays on the given manager in the given dtype
 * and leave the block initialized), then {@link #forward}. As a DJL {@code Block} it takes
 * {@code (input_ids (B, T) [, attention_mask (B, T)])} and returns {@code (logits (B, T, V))}, so a
 * DJL {@code Trainer} can drive it: create the weights on {@code model.getNDManager()}, {@code
 * model.setBlock(lm)}, then {@code model.newTrainer(…)} and {@code trainer.initialize(shape)}. Weights
 * loaded later replace the arrays, which a Trainer's parameter store and optimizer would not see.
 */
public final class OptForCausalLM extends HfBlock {

    private static final String EMBED_TOKENS = "model.decoder.embed_tokens.weight";
    private static final String LM_HEAD = "lm_head.weight";

    private final OptConfig config;
    private final OptModel model;

    public OptForCausalLM(OptConfig config) {
        this.config = config;
        this.model = addChildBlock("model", new OptModel(config));
    }

    public OptConfig config() {
        return config;
    }

    /** A model on {@code manager} with the weights of an HF state dict (see {@link #loadStateDict}). */
    public static OptForCausalLM fromStateDict(OptConfig config, Map<String, HostTensor> stateDict, NDManager manager,
            DataType dtype) {
        OptForCausalLM lm = new OptForCausalLM(config);
        lm.loadStateDict(stateDict, manager, dtype);
        return lm;
    }

    /** A model on {@code manager} with HF's random init from {@code seed} (see {@link #initWeights}). */
    public static OptForCausalLM random(OptConfig config, long seed, NDManager manager, DataType dtype) {
        OptForCausalLM lm = new OptForCausalLM(config);
        lm.initWeights(seed, manager, dtype);
        return lm;
    }

    /** The dtype of the parameters (float32 unless loaded otherwise). */
    public DataType dataType() {
        return StateDict.parameters(this).get(EMBED_TOKENS).getArray().getDataType();
    }

    /**
     * Sets every parameter from an HF state dict, replacing arrays already there. Accepts
     * {@code OPTForCausalLM} names ({@code model.decoder.…}) or the original facebook/opt names
     * without the {@code model.} prefix ({@code decoder.…}); a {@code lm_head.weight} is ignored if it
     * has embed_tokens' shape (OPT ties them). F32, F16, BF16 and F64 are converted to {@code dtype}
     * (float32, float16, or bfloat16 on a GPU: mixed-precision training's compute copy).
     * Everything is checked before anything is set.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped tensors
     */
    public void loadStateDict(Map<String, HostTensor> stateDict, NDManager manager, DataType dtype) {
        checkDtype(dtype, manager);
        Map<String, Parameter> params = StateDict.parameters(this);
        Shape embedShape = params.get(EMBED_TOKENS).getShape();
        Map<String, HostTensor> byKey = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : stateDict.entrySet()) {
            String name = e.getKey();
            HostTensor t = e.getValue();
            if (name.equals(LM_HEAD)) {
                if (!new Shape(t.shape()).equals(embedShape)) {
                    problems.add("tensor '" + LM_HEAD + "' has shape " + Arrays.toString(t.shape())
                            + " but OPT ties it to embed_tokens " + embedShape);
                }
                continue;
            }
            String key = name.startsWith("decoder.") ? "model." + name : name;
            if (byKey.put(key, t) != null) {
                problems.add("tensor '" + key + "' is given twice (with and without the 'model.' prefix)");
            }
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = byKey.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
                continue;
            }
            Shape expected = e.getValue().getShape();
            if (!new Shape(t.shape()).equals(expected)) {
                problems.add("tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + " but the config expects " + expected);
            }
            if (!t.dtype().isFloating()) {
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
            throw new IllegalArgumentException("state dict does not fit this OPT config: " + String.join("; ", problems));
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = byKey.get(e.getKey());
            NDArray value = Tensors.of(manager, t.toFloats(), new Shape(t.shape()));
            assign(e.getValue(), dtype == DataType.FLOAT32 ? value : convert(value, dtype));
        }
        initialize(manager, dtype, new Shape(1, 1));
    }

    /**
     * HF's {@code _init_weights} from a seed: Linear and Embedding weights ~ N(0, init_std) (the
     * pad row of embed_tokens 0), Linear biases 0, LayerNorm weight 1 and bias 0. The numbers come
     * from a {@link SplittableRandom} walked in state-dict order, so a seed gives the same weights on
     * every run and device (not the numbers torch would draw).
     */
    public void initWeights(long seed, NDManager manager, DataType dtype) {
        checkDtype(dtype, manager);
        SplittableRandom rng = new SplittableRandom(seed);
        double std = config.initStd();
        for (Map.Entry<String, Parameter> e : StateDict.parameters(this).entrySet()) {
            String key = e.getKey();
            Shape shape = e.getValue().getShape();
            float[] values = new float[Math.toIntExact(shape.size())];
            if (key.endsWith("layer_norm.weight")) {
                Arrays.fill(values, 1f);
            } else if (!key.endsWith(".bias")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (rng.nextGaussian() * std);
                }
                if (key.equals(EMBED_TOKENS)) {
                    int dim = (int) shape.get(1);
                    Arrays.fill(values, config.padTokenId() * dim, (config.padTokenId() + 1) * dim, 0f);
                }
            }
            NDArray value = Tensors.of(manager, values, shape);
            assign(e.getValue(), dtype == DataType.FLOAT32 ? value : convert(value, dtype));
        }
        initialize(manager, dtype, new Shape(1, 1));
    }

    /**
     * Every parameter as float32 host tensors under HF names ({@code model.decoder.…}, no
     * {@code lm_head.weight}, as transformers saves a tied OPT). Copies to the host.
     */
    public Map<String, HostTensor> stateDict() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDict.parameters(this).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] values;
            if (a.getDataType() == DataType.FLOAT32) {
                values = a.toFloatArray();
            } else {
                try (NDArray f = a.toType(DataType.FLOAT32, true)) {
                    values = f.toFloatArray();
                }
            }
            out.put(e.getKey(), HostTensor.ofFloats(values, a.getShape().getShape()));
        }
        return out;
    }

    /**
     * One forward pass.
     *
     * @param ps where parameter values come from (a Trainer's store, or {@code new
     *     ParameterStore(manager, false)})
     * @param inputIds (B, T) int64 new tokens
     * @param attentionMask (B, P + T): 1 real token, 0 pad, covering the cached positions too; null
     *     means all ones
     * @param cache keys/values of the P earlier positions ({@link KvCache#empty} for the first
     *     call), or null when no cache is wanted (training, scoring)
     * @param training enables dropout (config.dropout, attention_dropout)
     * @param outputHiddenStates also return HF's {@code hidden_states}
     * @return logits (B, T, V) float32, the grown cache (P + T positions) when one was passed, and
     *     the hidden states if asked; all attached to {@code inputIds}' manager
     */
    public OptOutput forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        return run(ps, inputIds, attentionMask, cache, training, outputHiddenStates, false);
    }

    /** Inference: no dropout, no hidden states, parameters read directly. */
    public OptOutput forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return forward(new ParameterStore(inputIds.getManager(), false), inputIds, attentionMask, cache, false, false);
    }

    /**
     * Inference for decoding: as {@link #forward(NDArray, NDArray, KvCache)} but the LM head runs on
     * the last position only, so the logits are (B, V) — with 50272 ids a prompt's full logits would
     * cost T times the memory and matmul for nothing.
     */
    public OptOutput forwardLast(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return run(new ParameterStore(inputIds.getManager(), false), inputIds, attentionMask, cache, false, false, true);
    }

    private OptOutput run(ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache,
            boolean training, boolean outputHiddenStates, boolean lastOnly) {
        Shape idShape = inputIds.getShape();
        if (idShape.dimension() != 2) {
            throw new IllegalArgumentException("input_ids must be (B, T), got " + idShape);
        }
        long b = idShape.get(0);
        long past = cache == null ? 0 : cache.length();
        Shape maskShape = new Shape(b, past + idShape.get(1));
        if (attentionMask != null && !attentionMask.getShape().equals(maskShape)) {
            throw new IllegalArgumentException("attention_mask must be (B, P + T) = " + maskShape
                    + " (P = " + past + " cached positions), got " + attentionMask.getShape());
        }
        if (maskShape.get(1) > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + maskShape.get(1) + " positions exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        if (cache != null && !cache.isEmpty() && cache.batchSize() != b) {
            throw new IllegalArgumentException("the cache holds " + cache.batchSize() + " rows but input_ids has " + b);
        }
        if (cache != null && cache.numLayers() != config.numHiddenLayers()) {
            throw new IllegalArgumentException("the cache has " + cache.numLayers() + " layers, the model "
                    + config.numHiddenLayers());
        }
        try (NDManager scope = NDManager.subManagerOf(inputIds)) {
            scope.tempAttachAll(inputIds);
            if (attentionMask != null) {
                scope.tempAttachAll(attentionMask);
            }
            if (cache != null) {
                scope.tempAttachAll(cache);
            }
            NDArray ids = inputIds.toType(DataType.INT64, false);
            NDArray mask = attentionMask == null
                    ? scope.ones(maskShape, DataType.INT64)
                    : attentionMask.toType(DataType.INT64, false); // (B, S)
            OptDecoder decoder = model.decoder();
            OptDecoder.Result r = decoder.forward(ps, ids, mask, cache, training, outputHiddenStates);
            NDArray embed = decoder.embedTokens().weight(ps, r.hidden().getDevice(), training); // (V, E)
            NDArray hidden = lastOnly ? r.hidden().get(":, -1, :") : r.hidden(); // (B, E) or (B, T, E)
            NDArray logits = ai.djl.nn.core.Linear.linear(hidden, embed).head(); // (B, V) or (B, T, V)
            if (logits.getDataType() != DataType.FLOAT32) {
                // Training needs a cast autograd sees (toType is not one in DJL): type promotion
                // with a float32 zero of shape (1) casts inside the graph, exactly.
                logits = training
                        ? logits.add(scope.zeros(new Shape(1), DataType.FLOAT32))
                        : logits.toType(DataType.FLOAT32, false);
            }
            KvCache grown = cache == null ? null : scope.ret(KvCache.of(r.keys(), r.values()));
            NDList hiddenStates = r.hiddenStates() == null ? null : scope.ret(r.hiddenStates());
            return new OptOutput(scope.ret(logits), grown, hiddenStates);
        }
    }

    /** DJL entry: (input_ids (B, T) [, attention_mask (B, T)]) -> (logits (B, T, V)). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), mask, null, training, false).logits());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config.vocabSize())};
    }

    /**
     * float32, or float16 for inference on GPUs. Not bfloat16: DJL 0.36's PyTorch engine aborts the
     * JVM converting an array to it (checkpoints stored as BF16 load fine into float32).
     */
    private static void checkDtype(DataType dtype, NDManager manager) {
        if (dtype == DataType.BFLOAT16 && manager.getDevice().getDeviceType().equals(ai.djl.Device.Type.CPU)) {
            // DJL 0.36's PyTorch engine aborts the JVM converting to bfloat16 on the CPU.
            throw new IllegalArgumentException("model dtype bfloat16 needs a GPU; on the CPU expected float32 or float16");
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("model dtype " + dtype + " is not supported; expected float32, float16"
                    + " or (on a GPU) bfloat16");
        }
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
