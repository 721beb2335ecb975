package io.collapse.nativelib;

/**
 * DJL 0.36's JNI maps dtypes between Java and torch in two tables ({@code native/djl_pytorch_utils.h})
 * that stop at complex64: bfloat16 (DJL's {@code DataType} ordinal 11) falls to a bare {@code throw;},
 * which terminates the JVM on any device. {@code collapse native build} compiles a staged copy of
 * the sources with both tables extended by bfloat16; the sources themselves stay as they are.
 */
final class Bfloat16Patch {

    static final String HEADER = "djl_pytorch_utils.h";

    private static final String TO_JAVA = """
              } else if (torch::kComplexFloat == type) {
                return 8;
              } else {
            """;

    private static final String TO_TORCH = """
                case 8:
                  return torch::kComplexFloat;
            """;

    private Bfloat16Patch() {}

    private static boolean once(String text, String part) {
        int at = text.indexOf(part);
        return at >= 0 && at == text.lastIndexOf(part);
    }

    /** The header with bfloat16 in both tables, 11 being DJL's {@code DataType.BFLOAT16.ordinal()}. */
    static String apply(String header) {
        if (!once(header, TO_JAVA) || !once(header, TO_TORCH)) {
            throw new IllegalArgumentException(HEADER + " is not DJL v0.36.0's: its dtype tables were not found"
                    + " where the bfloat16 entries go");
        }
        return header.replace(TO_JAVA, TO_JAVA.replace("  } else {\n", "  } else if (torch::kBFloat16 == type) {\n"
                        + "    return 11;\n  } else {\n"))
                .replace(TO_TORCH, TO_TORCH + "    case 11:\n      return torch::kBFloat16;\n");
    }
}
