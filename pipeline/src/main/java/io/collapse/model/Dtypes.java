package io.collapse.model;

import ai.djl.ndarray.types.DataType;
import io.collapse.nativelib.JniRecord;

/** The dtypes a model's parameters may take, by name, and where the loaded JNI can hold them. */
public final class Dtypes {

    private Dtypes() {}

    /**
     * The one parser of dtype names (a config's {@code model.dtype}, a command's {@code --dtype}):
     * float32, float16 or bfloat16 (refused here, before a model is read, unless the JNI maps it).
     *
     * @throws IllegalArgumentException naming {@code field} and the accepted names
     */
    public static DataType parse(String field, String name) {
        return switch (name) {
            case "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            case "bfloat16" -> {
                check(DataType.BFLOAT16, field); // before a model is read, whose file would be blamed
                yield DataType.BFLOAT16;
            }
            default -> throw new IllegalArgumentException(field + ": expected float32, float16 or bfloat16, got '" + name + "'");
        };
    }

    /**
     * float32, float16, or bfloat16 where the loaded JNI maps it: DJL 0.36's own aborts the JVM
     * converting an array to bfloat16 on any device, the one {@code collapse native build} makes does
     * not (checkpoints stored as BF16 load into float32 with either). The refusal names {@code what}
     * asked for the dtype.
     */
    static void check(DataType dtype, String what) {
        if (dtype == DataType.BFLOAT16 && !JniRecord.bfloat16()) {
            throw new IllegalArgumentException(what + " bfloat16 needs the JNI that `collapse native build` makes (DJL"
                    + " 0.36's own has no bfloat16 and aborts the JVM converting to it); expected float32 or float16");
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException(what + " " + dtype + " is not supported; expected float32, float16"
                    + " or bfloat16");
        }
    }
}
