/**
 * Fine-tuning: {@link io.collapse.train.FineTune#run} is the loop (read it top to bottom);
 * {@link io.collapse.train.AdamW} is torch's AdamW with its moments exposed for resume;
 * {@link io.collapse.train.LrSchedule} the schedules as pure functions;
 * {@link io.collapse.train.Gradients} clipping and zeroing ({@link io.collapse.model.LmLoss} is the
 * causal-LM cross-entropy); {@link io.collapse.train.TrainState} the resume file, committed last.
 * The validation loss is {@link io.collapse.eval.Evaluator}'s, the loss every other score uses.
 * Workers are the model copies that run forward and backward (several devices: data parallel;
 * {@code train.mixed_precision}: half-precision copies of the float32 master), LossScaler fp16's
 * dynamic loss scale.
 *
 * <p>Output folder of a run: {@code best/} and {@code last/} (HF model directories),
 * {@code state/} ({@code state.json} + step-stamped weights and optimizer safetensors), and the
 * caller's events file ({@code step}, {@code valid}, {@code checkpoint}, {@code epoch},
 * {@code resume}, {@code done} lines).
 */
package io.collapse.train;
