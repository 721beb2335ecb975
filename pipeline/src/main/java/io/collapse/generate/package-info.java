/**
 * Decoding as transformers 4.35's {@code generate()} does it, and the synthetic corpus of a generation.
 *
 * <ul>
 *   <li>{@link io.collapse.generate.Generator}: the entry point; greedy and sampling run one token per
 *       row per step ({@code Sampling} with a {@code Sampler}), beam search runs {@code BeamSearch}
 *       with {@code BeamHypotheses} (HF's BeamSearchScorer, float32 sums, double scores).
 *   <li>{@link io.collapse.generate.LogitsProcessor}: repetition penalty, no-repeat n-gram,
 *       min_new_tokens, then the sampling warpers temperature, top-k, top-p, in HF's order.
 *   <li>{@code DecodeState}: host ids and masks (what processors and the beam scorer read) plus the
 *       model's KV cache; the prompt runs once per prompt, beams and samples share it; finished rows
 *       and done prompts leave the batch.
 *   <li>{@link io.collapse.generate.SyntheticCorpus}: one block of new tokens per prompt block, in
 *       checksummed shards that a killed writer resumes byte-identically.
 * </ul>
 *
 * <p>Parity: every generate record of the HF fixtures (greedy and beam, repetition penalty,
 * min_new_tokens, 1 or 5 returned sequences, plain and left-padded prompts) is reproduced id for
 * id, with and without the KV cache. Sampling draws one uniform number per row and step from a
 * stream seeded by (seed, prompt's global index, copy) and inverts the CDF on the device, so a
 * prompt's sample does not depend on its batch; the same seed gives the same tokens on the same
 * machine and engine (different hardware may round logits differently and so flip a rare draw).
 */
package io.collapse.generate;
