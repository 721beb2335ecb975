package io.collapse.pipeline;

import java.util.SplittableRandom;

/**
 * Every random choice of a run derives from its master seed (experiment.seed) and the generation,
 * each through its own stream, so changing one use never shifts another.
 */
final class Seeds {

    private static final long TRAIN = 0x7472_6169_6EL;   // "train"
    private static final long MIXING = 0x6D69_7869_6EL;  // "mixin"
    private static final long SAMPLING = 0x7361_6D70L;   // "samp"

    private Seeds() {}

    static long train(long seed, int generation) {
        return derive(seed, generation, TRAIN);
    }

    static long mixing(long seed, int generation) {
        return derive(seed, generation, MIXING);
    }

    static long sampling(long seed, int generation) {
        return derive(seed, generation, SAMPLING);
    }

    private static long derive(long seed, int generation, long salt) {
        return new SplittableRandom(seed * 0x9E37_79B9_7F4A_7C15L + salt).split().nextLong() + generation;
    }
}
