package io.collapse.model;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import com.sun.management.OperatingSystemMXBean;
import io.collapse.config.LmConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * The memory a decode step, a training step and an evaluation batch need at their peak, checked
 * at start against what the device has, so that a setting that cannot fit ends in one line naming
 * both numbers instead of the kernel killing the JVM mid-run ({@code --num-beams 100000}: 21.9 GB,
 * no message).
 *
 * <p>Only the big terms count: weights (and, in training, their gradients and AdamW moments), the
 * float32 logits and what is derived from them at full size, the KV cache and the attention
 * weights kept for backward. Everything smaller is left out, so the estimate is a lower bound: a
 * refusal is never wrong, while a setting that passes may still not fit beside other programs.
 */
public final class MemoryBudget {

    private static final long FLOAT32 = 4;

    /** An estimate: its size in bytes and what it is made of, for the message. */
    public record Need(long bytes, String parts) {}

    private MemoryBudget() {}

    /**
     * One decode step over {@code rows} rows (prompts × beams or samples) with up to {@code positions}
     * cached positions: the step's logits and their log-softmax (2 × (R, V) float32), the KV cache
     * (layers × 2 × (R, heads, S, head_dim)) and the weights.
     */
    public static Need decode(LmConfig c, long rows, long positions, long bytesPerParam) {
        long logits = times(2, rows, c.vocabSize(), FLOAT32);
        long cache = times(c.numHiddenLayers(), 2, rows, (long) c.numKeyValueHeads() * c.headDim(), positions, FLOAT32);
        return new Need(plus(logits, cache, times(parameters(c), bytesPerParam)), "logits and cache");
    }

    /**
     * One forward/backward of {@code batch} blocks of {@code length} tokens: weights, gradients and
     * AdamW's two moments in float32 (16 bytes a parameter), the (B, T, V) logits, their log-softmax
     * and their gradient, and every layer's (B, heads, T, T) attention weights kept for backward.
     */
    public static Need train(LmConfig c, long batch, long length) {
        long logits = times(3, batch, length, c.vocabSize(), FLOAT32);
        long attention = times(c.numHiddenLayers(), batch, c.numAttentionHeads(), length, length, FLOAT32);
        return new Need(plus(logits, attention, times(parameters(c), 4, FLOAT32)), "weights, optimizer state and logits");
    }

    /** One forward of {@code batch} blocks: the weights, the (B, T, V) logits and their log-softmax. */
    public static Need eval(LmConfig c, long batch, long length, long bytesPerParam) {
        long logits = times(2, batch, length, c.vocabSize(), FLOAT32);
        return new Need(plus(logits, times(parameters(c), bytesPerParam)), "weights and logits");
    }

    /** The big matrices only (embeddings, attention and MLP weights); biases and norms are noise. */
    static long parameters(LmConfig c) {
        return c.matrixParameters();
    }

    /**
     * Refuses {@code need} when it exceeds what {@code device} has, naming the setting; does nothing
     * where the device's memory cannot be read (a GPU without CUDA's runtime library visible to DJL).
     *
     * @param subject what asks, with its setting: {@code generate: --num-beams 100000 with 1 prompt}
     * @param lower the settings that lower the estimate, for the message: {@code --num-beams or --max-new-tokens}
     */
    public static void require(String subject, Need need, Device device, String lower) {
        String refusal = refusal(subject, need, limit(device), device, lower);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    /** The message when {@code need} exceeds {@code limit} bytes (negative: unknown), else null. */
    static String refusal(String subject, Need need, long limit, Device device, String lower) {
        if (limit < 0 || need.bytes() <= limit) {
            return null;
        }
        String where = device.isGpu() ? device + " has " : "this machine has ";
        return subject + " needs about " + gb(need.bytes()) + " for " + need.parts() + "; " + where + gb(limit)
                + " of memory (lower " + lower + ")";
    }

    /**
     * Bytes the device has in all. On the CPU the physical memory (the container's limit where one
     * is set), not the free memory: Linux counts the page cache as used although it gives it back on
     * demand, so "free" would refuse runs that fit. A setting above the total can never fit; one
     * between free and total is left to the system. On a GPU DJL's reading of CUDA's total, or -1
     * when DJL cannot read it (then there is no check).
     */
    static long limit(Device device) {
        if (!device.isGpu()) {
            return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        }
        try {
            MemoryUsage usage = CudaUtils.getGpuMemory(device);
            return usage.getMax() > 0 ? usage.getMax() : -1;
        } catch (RuntimeException | LinkageError e) {
            return -1; // no CUDA runtime DJL can load: libtorch's own allocator reports the failure instead
        }
    }

    static String gb(long bytes) {
        return String.format("%.1f GB", bytes / 1e9);
    }

    /** A product of non-negative sizes that saturates at Long.MAX_VALUE instead of wrapping: an absurd setting stays absurd. */
    private static long times(long... factors) {
        long product = 1;
        for (long f : factors) {
            try {
                product = Math.multiplyExact(product, f);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return product;
    }

    /** A sum that saturates like {@link #times}. */
    private static long plus(long... terms) {
        long sum = 0;
        for (long t : terms) {
            sum = sum > Long.MAX_VALUE - t ? Long.MAX_VALUE : sum + t;
        }
        return sum;
    }
}
