package io.collapse.pipeline;

import java.util.SplittableRandom;

/**
 * Every random choice of a run derives from its master seed (experiment.seed) and the generation,
 * each through its own stream, so changing one use never shifts another.
 */
final class Seeds {

    private static final long TRAIN = 0x7472_6169_6EL;   // "train"
    private static final long MIXING = 0x6D69_7869_6EL;  // "mixin"
    private static final long CORPUS = 0x636F_7270_75L;  // "corpu"
    private static final long SAMPLES = 0x7361_6D70L;    // "samp"

    private Seeds() {}

    static long train(long seed, int generation) {
        return derive(seed, generation, TRAIN);
    }

    static long mixing(long seed, int generation) {
        return derive(seed, generation, MIXING);
    }

    /** generation.seed of generation k's corpus: what sampling draws from (beam search draws nothing). */
    static long corpus(long seed, int generation) {
        return derive(seed, generation, CORPUS);
    }

    /** generation.seed of generation k's sample continuations (eval.json). */
    static long samples(long seed, int generation) {
        return derive(seed, generation, SAMPLES);
    }

    private static long derive(long seed, int generation, long salt) {
        return new SplittableRandom(seed * 0x9E37_79B9_7F4A_7C15L + salt).split().nextLong() + generation;
    }
}
