package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block whose parameters carry HF's names ({@code weight}, {@code bias}) and whose arrays are set
 * from a checkpoint or a seeded init ({@link CausalLM#loadStateDict}, {@link
 * CausalLM#initWeights}), never by DJL initializers: DJL's {@code initialize} only marks the
 * block ready and switches gradients on.
 */
public abstract class HfBlock extends AbstractBlock {

    /** A parameter whose shape the checkpoint must match; its array is set once the weights are known. */
    protected final Parameter hfParameter(String name, Parameter.Type type, Shape shape) {
        return addParameter(Parameter.builder().setName(name).setType(type).optShape(shape).build());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Parameter p : getDirectParameters().values()) {
            if (!p.isInitialized()) {
                throw new IllegalStateException(getClass().getSimpleName() + ": parameter '" + p.getName()
                        + "' has no value; build the model with CausalLM.initWeights or loadStateDict first");
            }
        }
        super.initialize(manager, dataType, inputShapes);
    }

    /**
     * Only the whole model ({@link CausalLM}) is a DJL entry; its blocks are called through their
     * typed {@code forward}, which names what each input is.
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed forward");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed forward");
    }

    /** HF's {@code nn.Dropout(rate)}: drops while training only, and not at all at rate 0 (no random draw). */
    protected static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(x, rate, true).head() : x;
    }

    /**
     * Replaces a parameter's array by {@code value}, which the parameter then owns. DJL refuses
     * {@code setArray} on a shaped parameter, hence the shape is cleared first; the new array
     * brings the same shape back.
     */
    static void assign(Parameter p, NDArray value) {
        p.close();
        p.setShape(null);
        p.setArray(value);
        if (p.requiresGradient()) {
            value.setRequiresGradient(true);
        }
    }
}
