package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.RopeParameters;

/**
 * Rotary position embeddings (HF's {@code …RotaryEmbedding}, {@code rotate_half},
 * {@code apply_rotary_pos_emb}) for every rope family: the first {@code rotaryDims} of each head
 * are rotated (all of them for Llama and Qwen2, GPT-NeoX's {@code rotary_pct} of them for Pythia),
 * the rest pass unchanged. Letters: B batch (1 when the positions are shared), T new positions,
 * H heads, D head_dim, R rotaryDims.
 */
public final class Rotary {

    private final float[] invFreq; // (R / 2)

    /**
     * @param rotaryDims R, even: how many leading dims of each head rotate
     * @param rope filled parameters (type, theta and the type's own keys)
     */
    public Rotary(int rotaryDims, RopeParameters rope) {
        if (rotaryDims <= 0 || rotaryDims % 2 != 0) {
            throw new IllegalArgumentException("rotary dims must be even and positive, got " + rotaryDims);
        }
        this.invFreq = invFreq(rotaryDims, rope);
    }

    /** The inverse frequencies HF's rotary embedding holds as {@code inv_freq} (float32), for tests. */
    public float[] invFreq() {
        return invFreq.clone();
    }

    /**
     * HF's rope init functions in float32, step by step as torch runs them on the CPU (inv_freq =
     * 1 / theta^(2i/R); linear: / factor; llama3: by wavelength 2π/inv_freq, above
     * original/low_freq_factor / factor, below original/high_freq_factor kept, smoothly blended
     * between). The one difference: the power is Java's correctly rounded one, torch's may differ
     * in the last bit.
     */
    static float[] invFreq(int dims, RopeParameters rope) {
        float[] inv = new float[dims / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dims;
            inv[i] = 1f / (float) Math.pow(rope.ropeTheta(), exponent);
        }
        switch (rope.ropeType()) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= rope.factor().floatValue();
                }
            }
            case "llama3" -> llama3(inv, rope);
            default -> throw new IllegalArgumentException("rope type '" + rope.ropeType() + "' is not supported");
        }
        return inv;
    }

    private static void llama3(float[] inv, RopeParameters rope) {
        float factor = rope.factor().floatValue();
        float low = rope.lowFreqFactor().floatValue();
        float high = rope.highFreqFactor().floatValue();
        float old = rope.originalMaxPositionEmbeddings();
        double lowFreqWavelen = (double) rope.originalMaxPositionEmbeddings() / rope.lowFreqFactor();
        double highFreqWavelen = (double) rope.originalMaxPositionEmbeddings() / rope.highFreqFactor();
        float span = (float) (rope.highFreqFactor() - rope.lowFreqFactor());
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelen > (float) lowFreqWavelen ? inv[i] / factor : inv[i];
            boolean medium = !(wavelen < (float) highFreqWavelen) && !(wavelen > (float) lowFreqWavelen);
            if (medium) {
                float smooth = (old / wavelen - low) / span;
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }

    /**
     * cos and sin of position × inv_freq, the frequencies written twice ({@code cat(freqs, freqs)}),
     * computed in float32 as HF does whatever the model's dtype, then cast to {@code dtype}.
     *
     * @param positionIds (B, T) int64; B may be 1 for positions every row shares
     * @return cos (B, T, R), sin (B, T, R)
     */
    public NDList cosSin(NDArray positionIds, DataType dtype) {
        Shape shape = positionIds.getShape();
        NDArray inv = Tensors.of(positionIds.getManager(), invFreq, new Shape(1, 1, invFreq.length)) // (1, 1, R/2)
                .toDevice(positionIds.getDevice(), false);
        NDArray positions = positionIds.toType(DataType.FLOAT32, false).reshape(shape.get(0), shape.get(1), 1); // (B, T, 1)
        NDArray freqs = positions.mul(inv); // (B, T, R/2)
        NDArray emb = freqs.concat(freqs, -1); // (B, T, R)
        NDArray cos = emb.cos(); // (B, T, R)
        NDArray sin = emb.sin(); // (B, T, R)
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDList(cos, sin);
    }

    /**
     * HF's {@code apply_rotary_pos_emb}: {@code x·cos + rotate_half(x)·sin} on the first R dims of
     * each head, R being cos's width; the rest is appended unchanged, as GPT-NeoX's
     * {@code cat((q_embed, q_pass), -1)}. A free function, as HF's: attention needs only cos and sin.
     *
     * @param x (B, H, T, D) queries or keys
     * @param cos (B, T, R) from {@link #cosSin}
     * @param sin (B, T, R)
     * @return (B, H, T, D)
     */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long r = cos.getShape().get(2);
        long d = x.getShape().get(3);
        NDArray rot = d == r ? x : x.get(new NDIndex(":, :, :, :{}", r)); // (B, H, T, R)
        NDArray c = cos.expandDims(1); // (B, 1, T, R)
        NDArray s = sin.expandDims(1); // (B, 1, T, R)
        NDArray embedded = rot.mul(c).add(rotateHalf(rot).mul(s)); // (B, H, T, R)
        return d == r ? embedded : embedded.concat(x.get(new NDIndex(":, :, :, {}:", r)), -1);
    }

    /** HF's {@code rotate_half}: (x1, x2) → (−x2, x1) over the two halves of the last axis. */
    static NDArray rotateHalf(NDArray x) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex(":, :, :, :{}", half)); // (B, H, T, R/2)
        NDArray x2 = x.get(new NDIndex(":, :, :, {}:", half)); // (B, H, T, R/2)
        return x2.neg().concat(x1, -1); // (B, H, T, R)
    }
}
