package io.collapse.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import io.collapse.model.LmLoss;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The forward and backward passes of one optimizer step: micro-batch by micro-batch, each split
 * across the workers. Each micro loss is scaled by 1/targets of the whole batch (times the fp16
 * loss scale), so the summed gradient is the batch mean's.
 */
final class Backward {

    /**
     * @param loss the batch's mean token NLL
     * @param ran which workers got rows (and so have gradients)
     */
    record Result(double loss, boolean[] ran) {}

    private Backward() {}

    /**
     * The rows of {@code batch}, {@code microBatch} rows at a time.
     *
     * @param scaler fp16's loss scaler, or null
     */
    static Result run(Workers workers, Batch batch, int microBatch, LossScaler scaler) {
        long targets = (long) batch.rows() * (batch.blocks().blockSize() - 1);
        // Without a scaler the loss is divided by the count, as torch's mean does (x / n, not x · (1/n)).
        UnaryOperator<NDArray> scale = scaler == null ? nll -> nll.div(Tensors.scalar(nll, targets))
                : nll -> nll.mul(Tensors.scalar(nll, scaler.scale() / targets));
        double nllSum = 0;
        boolean[] ran = new boolean[workers.size()];
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (int mb = batch.from(); mb < batch.to(); mb += microBatch) {
                nllSum = microBatch(workers, batch.slice(mb, Math.min(mb + microBatch, batch.to())), scale, gc, ran, nllSum);
            }
        }
        return new Result(nllSum / targets, ran);
    }

    /**
     * The rows of a micro-batch, split across the workers, the first workers taking one more row
     * when they do not divide evenly; all it makes closes after the backward passes.
     *
     * @return {@code nllSum} plus each worker's summed NLL, added in worker order
     */
    private static double microBatch(Workers workers, Batch micro, UnaryOperator<NDArray> scale, GradientCollector gc,
            boolean[] ran, double nllSum) {
        int rows = micro.rows();
        int n = workers.size();
        List<NDArray> nlls = new ArrayList<>(n);
        try (Scope scope = workers.microBatchScope()) {
            int rowTo = micro.from();
            for (int w = 0; w < n; w++) {
                int rowFrom = rowTo;
                rowTo = rowFrom + rows / n + (w < rows % n ? 1 : 0);
                if (rowFrom == rowTo) {
                    continue;
                }
                ran[w] = true;
                Workers.Worker worker = workers.get(w);
                NDArray inputIds = micro.slice(rowFrom, rowTo).inputIds(scope.child(worker.device()).manager()); // (B, T)
                NDArray logits = worker.model().forward(worker.ps(), inputIds, null, null, true, false).logits(); // (B, T, V)
                NDArray nll = LmLoss.nllSum(logits, inputIds); // ()
                gc.backward(scale.apply(nll));
                nlls.add(nll);
            }
            double sum = nllSum;
            for (NDArray nll : nlls) {
                // Host sync, once per micro-batch and worker, after every worker has been given its
                // work, so that several GPUs can run at once.
                sum += nll.getFloat();
            }
            return sum;
        }
    }
}
